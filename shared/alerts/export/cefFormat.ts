/**
 * An alert as one ArcSight CEF line (Common Event Format, "Implementing ArcSight CEF", revision 25):
 *
 *   CEF:0|Argus|Argus|<productVersion>|<alertType>|<alertDisplayName>|<severity>|<extension>
 *
 * Header fields escape `\` and `|`; a line break cannot be escaped in the header, so every control
 * character (and the Unicode line and paragraph separators) becomes a space there. Extension values
 * escape `\` and `=`, and write CR and LF as the two characters `\r` and `\n` (a CR LF pair becomes
 * `\r\n`), so the line stays one line and the escaping is reversible. Other control characters except
 * tab (which no SIEM expects inside a value and some read as line breaks) become a space in values too.
 * Pipes are not escaped in the extension, as the specification says.
 *
 * Severity (0..10): High 8, Medium 5, Low 3, Informational 1.
 *
 * Extension keys, always in this order, each omitted when the alert has no value for it:
 *   rt          timeGeneratedUtc, ms since the epoch (when the alert was raised)
 *   start, end  startTimeUtc, endTimeUtc, ms since the epoch (the activity the alert covers)
 *   externalId  the alert id (with cn1, the alert version, it names one state of the alert)
 *   cat         the intent (Defender's tactic name, e.g. PrivilegeEscalation)
 *   cnt         how many requests the alert aggregates
 *   msg         the description
 *   suser       the first `account` entity's name (who made the request; node alerts have none)
 *   src         audit alerts: the first `ip` entity's address (where the request came from)
 *   requestClientApplication  the request's user agent (extendedProperties.userAgent)
 *   Node alerts (extendedProperties.signal = node) only:
 *   dvchost     the node (the host the sensor saw the activity on): the first `host` entity, else
 *               extendedProperties.node
 *   dhost       the node, when the alert names no remote address (the node is where it happened)
 *   shost       the node instead, when it does (the node opened the connection)
 *   dst, dpt    the first `ip` entity's address and port: the remote end of the connection
 *   sproc, spid the acting process (the `process` entity of role `process`): executable path, pid
 *   fname, filePath  the first `file` entity: its base name and its path
 *   cs1Label=cluster       cs1  clusterResourceId
 *   cs2Label=namespace     cs2  extendedProperties.namespace, else the first K8s-namespace entity,
 *                               else the first K8s-pod entity's namespace
 *   cs3Label=alertType     cs3  alertType (also in the header; here for SIEMs that index only extensions)
 *   cs4Label=techniques    cs4  the ATT&CK technique ids, comma-separated
 *   cs5Label=status        cs5  Active | InProgress | Resolved | Dismissed
 *   cs6Label=pod           cs6  the first K8s-pod entity's name
 *   cn1Label=alertVersion  cn1  version (1 when raised, +1 per change)
 *   flexString1Label=isSimulated    flexString1  true | false (a simulation's alert, not an attack)
 *   flexString2Label=correlationKey flexString2  groups alerts about the same cluster and entity
 *   ArgusArgusCommandLine  node alerts: the acting process's command line (redacted by the rule). CEF has no
 *               key for it and cs1..cs6 and flexString1..2 are taken, so it is a custom extension, named
 *               <Vendor><Product><Key> as the specification's user-defined extensions are (last, as it is
 *               the longest and most hostile value)
 * `act` and `outcome` are left out: Argus observes, it does not block, so there is no action or outcome.
 * Each label comes right before its value. Pure: no I/O, no clock.
 */
import { type Alert, isNodeAlert } from '../alert';
import { type AlertEntity, EntityType } from '../../detection/entities';
import { type Severity } from '../../detection/rule';

export interface CefFormatOptions {
  /** The Argus version in the header's Device Version field. */
  productVersion: string;
}

const CEF_VENDOR = 'Argus';
const CEF_PRODUCT = 'Argus';

const cefSeverities = { High: 8, Medium: 5, Low: 3, Informational: 1 } as const satisfies Record<Severity, number>;

/** The CEF severity (0..10) of an alert severity. */
export function cefSeverityOf(severity: Severity): number {
  return cefSeverities[severity];
}

// Control characters, plus U+0085, U+2028 and U+2029 which some readers treat as line breaks.
// eslint-disable-next-line no-control-regex
const headerUnsafe = /[\u0000-\u001f\u007f\u0085\u2028\u2029]/g;
// The same without tab, CR and LF (which values keep, CR and LF escaped).
// eslint-disable-next-line no-control-regex
const valueUnsafe = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u0085\u2028\u2029]/g;

/** Escapes a header field: `\` -> `\\`, `|` -> `\|`, control characters and line breaks -> a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(headerUnsafe, ' ');
}

/** Escapes an extension value: `\` -> `\\`, `=` -> `\=`, CR -> `\r`, LF -> `\n`; other control characters -> a space. */
export function escapeCefExtension(value: string): string {
  return value
    .replace(/\\/g, '\\\\')
    .replace(/=/g, '\\=')
    .replace(/\r/g, '\\r')
    .replace(/\n/g, '\\n')
    .replace(valueUnsafe, ' ');
}

/** The alert as one CEF line (no trailing newline). */
export function toCefLine(alert: Alert, options: CefFormatOptions): string {
  const header = [
    'CEF:0',
    escapeCefHeader(CEF_VENDOR),
    escapeCefHeader(CEF_PRODUCT),
    escapeCefHeader(options.productVersion),
    escapeCefHeader(alert.alertType),
    escapeCefHeader(alert.alertDisplayName),
    String(cefSeverityOf(alert.severity)),
  ].join('|');
  const extension = cefExtensionFields(alert)
    .filter((field): field is [string, string] => field[1] !== undefined && field[1] !== '')
    .map(([key, value]) => `${key}=${escapeCefExtension(value)}`)
    .join(' ');
  return `${header}|${extension}`;
}

/** The custom extension key of a node alert's command line (<Vendor><Product><Key>). */
export const CEF_COMMAND_LINE_KEY = 'ArgusArgusCommandLine';

/** The extension's keys in their fixed order, with the alert's values (undefined: left out). */
function cefExtensionFields(alert: Alert): [string, string | undefined][] {
  const pod = firstEntity(alert, EntityType.pod);
  const node = isNodeAlert(alert) ? nodeFieldsOf(alert) : undefined;
  return [
    ['rt', epochMs(alert.timeGeneratedUtc)],
    ['start', epochMs(alert.startTimeUtc)],
    ['end', epochMs(alert.endTimeUtc)],
    ['externalId', alert.id],
    ['cat', alert.intent],
    ['cnt', String(alert.count)],
    ['msg', alert.description],
    ['suser', firstEntity(alert, EntityType.account)?.name],
    ['src', node === undefined ? firstEntity(alert, EntityType.ip)?.address : undefined],
    ['requestClientApplication', alert.extendedProperties['userAgent']],
    ...(node?.fields ?? []),
    ...labelled('cs1', 'cluster', alert.clusterResourceId),
    ...labelled('cs2', 'namespace', namespaceOf(alert)),
    ...labelled('cs3', 'alertType', alert.alertType),
    ...labelled('cs4', 'techniques', alert.techniques.join(',')),
    ...labelled('cs5', 'status', alert.status),
    ...labelled('cs6', 'pod', pod?.name),
    ...labelled('cn1', 'alertVersion', String(alert.version)),
    ...labelled('flexString1', 'isSimulated', String(alert.isSimulated)),
    ...labelled('flexString2', 'correlationKey', alert.correlationKey),
    [CEF_COMMAND_LINE_KEY, node?.commandLine],
  ];
}


/** The standard keys of a node alert (the node, the remote end, the process, the file) and its command line. */
function nodeFieldsOf(alert: Alert): { fields: [string, string | undefined][]; commandLine: string | undefined } {
  const nodeName = firstEntity(alert, EntityType.host)?.name || alert.extendedProperties['node'];
  const remote = firstEntity(alert, EntityType.ip);
  const process = alert.entities.find((entity) => entity.type === EntityType.process && entity.role === 'process');
  const filePath = firstEntity(alert, EntityType.file)?.name;
  const hasRemote = remote?.address !== undefined && remote.address !== '';
  return {
    fields: [
      ['dvchost', nodeName],
      [hasRemote ? 'shost' : 'dhost', nodeName],
      ['dst', remote?.address],
      ['dpt', hasRemote && remote.port !== undefined ? String(remote.port) : undefined],
      ['sproc', process?.name],
      ['spid', process?.processId === undefined ? undefined : String(process.processId)],
      ['fname', filePath === undefined ? undefined : baseName(filePath)],
      ['filePath', filePath],
    ],
    commandLine: process?.commandLine,
  };
}

/** The last segment of a path (the path itself when it ends with a separator or has none). */
function baseName(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name === '' ? path : name;
}

/** `<key>Label=<label> <key>=<value>`, or nothing when there is no value. */
/** A custom extension field with its label (`cs1Label=cluster cs1=...`), or nothing when there is no value. */
export function labelled(key: string, label: string, value: string | undefined): [string, string | undefined][] {
  return value === undefined || value === '' ? [] : [[`${key}Label`, label], [key, value]];
}

function epochMs(isoTime: string): string | undefined {
  const ms = Date.parse(isoTime);
  return Number.isFinite(ms) ? String(ms) : undefined;
}

function firstEntity(alert: Alert, type: EntityType): AlertEntity | undefined {
  return alert.entities.find((entity) => entity.type === type);
}

function namespaceOf(alert: Alert): string | undefined {
  return alert.extendedProperties['namespace'] || firstEntity(alert, EntityType.namespace)?.name || firstEntity(alert, EntityType.pod)?.namespace;
}
