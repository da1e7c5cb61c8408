/**
 * An alert as an OCSF event: schema version 1.3.0, class Detection Finding (`class_uid` 2004) in the
 * Findings category (`category_uid` 2).
 *
 * What 1.3.0 requires for this class (base_event.json, finding.json, detection_finding.json and the
 * objects, read from the ocsf-schema repository and its CHANGELOG, which lists what 1.4.0 relaxed):
 * - event: `activity_id`, `category_uid`, `class_uid`, `type_uid`, `severity_id`, `time`, `metadata`
 *   (base event) and `finding_info` (finding);
 * - `metadata`: `version` (the OCSF schema version) and `product`; `product`: `vendor_name`
 *   (`name` is required in some releases: both are always set);
 * - `finding_info`: `uid` and `title` (1.4.0 relaxed `title`);
 * - `observable`: `name` (a path into the event, relaxed in 1.4.0) and `type_id`;
 * - `attack`: at least one of `tactic`, `technique`, `sub_technique`; `resource_details`: name or uid;
 *   `remediation`: `desc`; `user`: name (or uid).
 * Recommended attributes set as well: the `_name` siblings of the enums, `message`, `status_id`,
 * `timezone_offset`, `observables`, `resources`, `evidences`, `finding_info.analytic`.
 * Not emitted: `is_alert` (added to Detection Finding in 1.4.0, absent from 1.3.0), status 5 Archived
 * (1.4.0), the 1.4.0 observable types (account name 34, resource name 38).
 *
 * Mappings:
 * - activity: 1 Create when the alert is at version 1, 2 Update after any change;
 *   `type_uid` = `class_uid` * 100 + `activity_id`.
 * - severity: Informational 1, Low 2, Medium 3, High 4.
 * - status (the 1.3.0 finding `status_id` enum): Active 1 New, InProgress 2 In Progress,
 *   Dismissed 3 Suppressed, Resolved 4 Resolved.
 * - `time`: when the alert last changed (lastModifiedUtc), so that each state is its own event;
 *   `metadata.uid` = `<alert id>:<version>` names that state.
 * - `attacks` (security_control profile, duplicated into `finding_info.attacks`): one per technique,
 *   `T1552.007` as technique T1552 plus sub-technique T1552.007; only ids, no names (Argus has no table
 *   of technique names); the tactic from the intent (Defender's intents that are not ATT&CK
 *   Enterprise tactics, PreAttack, Probing and Exploitation, carry no tactic).
 * - `resources`: the cluster (uid = its Azure resource id), then the namespace, pod, workload, service
 *   account and node (host) entities; the namespace of a namespaced object is in its `data` (`namespace`
 *   is not a 1.3.0 resource attribute).
 * - `evidences[0]`: audit alerts: the account (`actor.user`), the client address (`src_endpoint.ip`) and
 *   the container. Node alerts (extendedProperties.signal = node; evidences gained `device` and
 *   `container` in 1.2.0 and 1.3.0, `process`, `file` and `dst_endpoint` earlier):
 *   - `device`: the node, `hostname`, `type_id` 6 Virtual (AKS nodes are VM scale set instances);
 *   - `process`: the acting process: `name` (the executable's base name), `pid`, `cmd_line` (redacted by
 *     the rule), `file` (`name`, `path`, `type_id` 1 Regular File), `parent_process` (same shape), and
 *     `lineage` (the executable paths of the known ancestors, oldest first, then the parent's and the
 *     process's) when the alert names ancestors. 1.3.0 requires a process to have `pid` or `uid`: a
 *     process the sensor gave no pid (some Falco alerts) goes to `data.process` in the same shape instead;
 *   - `file`: the first file entity (`name`, `path`, `type_id` 0 Unknown: the sensor does not say);
 *   - `dst_endpoint`: the first ip entity, the remote end of a connection (`ip`, `port`);
 *   - `container`: as for audit alerts (name, and the image when the pairing is certain).
 *   Further file and ip entities of a node alert are evidences of their own (`{ file }`, `{ dst_endpoint }`).
 * - `observables`: the cluster, the account, the client address (audit) and the resources' names, the
 *   image; for node alerts also the node (Hostname 1), the remote address (IP Address 2, in
 *   `dst_endpoint`), the process's name (Process Name 9) and command line (Command Line 13), the file's
 *   name (File Name 7).
 * - `unmapped`: Argus' own fields (ruleId, version, isSimulated, correlationKey, evidenceAuditIds,
 *   subscriptionId, extendedProperties).
 * Pure: no I/O, no clock.
 */
import { type Alert, type AlertStatus, isNodeAlert } from '../alert';
import { type AlertEntity, EntityType } from '../../detection/entities';
import { type Intent, type Severity } from '../../detection/rule';

export const OCSF_SCHEMA_VERSION = '1.3.0';

export interface OcsfFormatOptions {
  /** The Argus version, in `metadata.product.version`. */
  productVersion: string;
}

export interface OcsfProduct {
  name: string;
  vendor_name: string;
  version: string;
}

export interface OcsfMetadata {
  version: string;
  product: OcsfProduct;
  uid: string;
  profiles: string[];
  modified_time: number;
}

export interface OcsfTactic {
  uid: string;
  name: string;
}

export interface OcsfTechnique {
  uid: string;
}

export interface OcsfAttack {
  tactic?: OcsfTactic;
  technique?: OcsfTechnique;
  sub_technique?: OcsfTechnique;
}

export interface OcsfAnalytic {
  uid: string;
  name: string;
  type_id: 1;
  type: 'Rule';
}

export interface OcsfFindingInfo {
  uid: string;
  title: string;
  desc: string;
  types: string[];
  created_time: number;
  first_seen_time: number;
  last_seen_time: number;
  modified_time: number;
  analytic: OcsfAnalytic;
  attacks?: OcsfAttack[];
}

export interface OcsfResourceDetails {
  uid?: string;
  name?: string;
  type: string;
  data?: Record<string, string>;
}

export interface OcsfObservable {
  name: string;
  type_id: number;
  type: string;
  value: string;
}

export interface OcsfUser {
  name: string;
}

export interface OcsfFile {
  name: string;
  path: string;
  type_id: number;
  type: string;
}

export interface OcsfProcess {
  name?: string;
  pid?: number;
  cmd_line?: string;
  file?: OcsfFile;
  parent_process?: OcsfProcess;
  lineage?: string[];
}

export interface OcsfDevice {
  hostname: string;
  type_id: number;
  type: string;
}

export interface OcsfNetworkEndpoint {
  ip: string;
  port?: number;
}

export interface OcsfEvidence {
  actor?: { user: OcsfUser };
  src_endpoint?: { ip: string };
  container?: { name: string; image?: { name: string } };
  device?: OcsfDevice;
  process?: OcsfProcess;
  file?: OcsfFile;
  dst_endpoint?: OcsfNetworkEndpoint;
  /** A process without a pid (1.3.0 requires `pid` or `uid` of a Process object). */
  data?: { process: OcsfProcess };
}

export interface OcsfRemediation {
  desc: string;
}

/** What Argus emits of an OCSF 1.3.0 Detection Finding (only what it emits). */
export interface OcsfDetectionFinding {
  activity_id: OcsfActivityId;
  activity_name: string;
  category_uid: 2;
  category_name: 'Findings';
  class_uid: 2004;
  class_name: 'Detection Finding';
  type_uid: number;
  type_name: string;
  severity_id: number;
  severity: string;
  status_id: number;
  status: string;
  time: number;
  timezone_offset: 0;
  start_time?: number;
  end_time?: number;
  count: number;
  message: string;
  metadata: OcsfMetadata;
  finding_info: OcsfFindingInfo;
  attacks?: OcsfAttack[];
  resources: OcsfResourceDetails[];
  observables: OcsfObservable[];
  actor?: { user: OcsfUser };
  evidences?: OcsfEvidence[];
  remediation?: OcsfRemediation;
  unmapped: OcsfUnmapped;
}

export interface OcsfUnmapped {
  ruleId: string;
  version: number;
  isSimulated: boolean;
  correlationKey: string;
  evidenceAuditIds: string[];
  subscriptionId: string;
  extendedProperties: Record<string, string>;
}

export const OcsfActivity = { Create: 1, Update: 2 } as const;
export type OcsfActivityId = (typeof OcsfActivity)[keyof typeof OcsfActivity];

const DETECTION_FINDING_CLASS_UID = 2004;

/** OCSF `severity_id`/`severity` of Defender's severities (shared by every OCSF class Argus writes). */
export const OCSF_SEVERITIES = {
  Informational: { id: 1, name: 'Informational' },
  Low: { id: 2, name: 'Low' },
  Medium: { id: 3, name: 'Medium' },
  High: { id: 4, name: 'High' },
} as const satisfies Record<Severity, { id: number; name: string }>;

const statuses = {
  Active: { id: 1, name: 'New' },
  InProgress: { id: 2, name: 'In Progress' },
  Dismissed: { id: 3, name: 'Suppressed' },
  Resolved: { id: 4, name: 'Resolved' },
} as const satisfies Record<AlertStatus, { id: number; name: string }>;

/** Defender's intents that are MITRE ATT&CK Enterprise tactics, with the tactic's id and name. */
const attackTactics: Partial<Record<Intent, OcsfTactic>> = {
  InitialAccess: { uid: 'TA0001', name: 'Initial Access' },
  Execution: { uid: 'TA0002', name: 'Execution' },
  Persistence: { uid: 'TA0003', name: 'Persistence' },
  PrivilegeEscalation: { uid: 'TA0004', name: 'Privilege Escalation' },
  DefenseEvasion: { uid: 'TA0005', name: 'Defense Evasion' },
  CredentialAccess: { uid: 'TA0006', name: 'Credential Access' },
  Discovery: { uid: 'TA0007', name: 'Discovery' },
  LateralMovement: { uid: 'TA0008', name: 'Lateral Movement' },
  Collection: { uid: 'TA0009', name: 'Collection' },
  Exfiltration: { uid: 'TA0010', name: 'Exfiltration' },
  CommandAndControl: { uid: 'TA0011', name: 'Command and Control' },
  Impact: { uid: 'TA0040', name: 'Impact' },
};

/** The ATT&CK tactic of a Defender intent, if it is one. */
export function attackTacticOf(intent: Intent): OcsfTactic | undefined {
  return attackTactics[intent];
}

/** Resource types of the Kubernetes entities that are resources of the finding. */
const resourceTypes: Partial<Record<EntityType, string>> = {
  [EntityType.namespace]: 'Kubernetes Namespace',
  [EntityType.pod]: 'Kubernetes Pod',
  [EntityType.workload]: 'Kubernetes Workload',
  [EntityType.serviceAccount]: 'Kubernetes Service Account',
  [EntityType.host]: 'Kubernetes Node',
};

/** Observable type ids of OCSF 1.3.0 used here. */
const ObservableType = {
  Hostname: { id: 1, name: 'Hostname' },
  IpAddress: { id: 2, name: 'IP Address' },
  UserName: { id: 4, name: 'User Name' },
  FileName: { id: 7, name: 'File Name' },
  ProcessName: { id: 9, name: 'Process Name' },
  ResourceUid: { id: 10, name: 'Resource UID' },
  CommandLine: { id: 13, name: 'Command Line' },
  Other: { id: 99, name: 'Other' },
} as const;

/** AKS nodes are virtual machines (VM scale set instances): device type 6 Virtual. */
const NODE_DEVICE_TYPE = { id: 6, name: 'Virtual' } as const;
/** An executed file is a regular file; a file a rule names may be anything (a socket, a directory). */
const FileType = { Unknown: { id: 0, name: 'Unknown' }, RegularFile: { id: 1, name: 'Regular File' } } as const;

/** The alert as an OCSF 1.3.0 Detection Finding. */
export function toOcsfDetectionFinding(alert: Alert, options: OcsfFormatOptions): OcsfDetectionFinding {
  const activityId: OcsfActivityId = alert.version <= 1 ? OcsfActivity.Create : OcsfActivity.Update;
  const activityName = activityId === OcsfActivity.Create ? 'Create' : 'Update';
  const severity = OCSF_SEVERITIES[alert.severity];
  const status = statuses[alert.status];
  const modifiedTime = firstFinite(Date.parse(alert.lastModifiedUtc), Date.parse(alert.timeGeneratedUtc));
  const attacks = attacksOf(alert);
  const account = firstEntity(alert, EntityType.account);
  const user = account?.name === undefined || account.name === '' ? undefined : { name: account.name };
  const evidences = evidencesOf(alert, user);
  const finding: OcsfDetectionFinding = {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: 2,
    category_name: 'Findings',
    class_uid: DETECTION_FINDING_CLASS_UID,
    class_name: 'Detection Finding',
    type_uid: DETECTION_FINDING_CLASS_UID * 100 + activityId,
    type_name: `Detection Finding: ${activityName}`,
    severity_id: severity.id,
    severity: severity.name,
    status_id: status.id,
    status: status.name,
    time: modifiedTime,
    timezone_offset: 0,
    ...optionalTime('start_time', alert.startTimeUtc),
    ...optionalTime('end_time', alert.endTimeUtc),
    count: alert.count,
    message: alert.description,
    metadata: {
      version: OCSF_SCHEMA_VERSION,
      product: { name: alert.productName || 'Argus', vendor_name: alert.vendorName || 'Argus', version: options.productVersion },
      uid: `${alert.id}:${alert.version}`,
      profiles: ['security_control'],
      modified_time: modifiedTime,
    },
    finding_info: {
      uid: alert.id,
      title: alert.alertDisplayName,
      desc: alert.description,
      types: [alert.alertType],
      created_time: Date.parse(alert.timeGeneratedUtc),
      first_seen_time: Date.parse(alert.startTimeUtc),
      last_seen_time: Date.parse(alert.endTimeUtc),
      modified_time: modifiedTime,
      analytic: { uid: alert.ruleId, name: alert.alertType, type_id: 1, type: 'Rule' },
      ...(attacks.length > 0 ? { attacks } : {}),
    },
    ...(attacks.length > 0 ? { attacks } : {}),
    resources: resourcesOf(alert),
    observables: observablesOf(alert, evidences[0]),
    ...(user === undefined ? {} : { actor: { user } }),
    ...(evidences.length === 0 ? {} : { evidences }),
    ...(alert.remediationSteps.length > 0 ? { remediation: { desc: alert.remediationSteps.join('\n') } } : {}),
    unmapped: {
      ruleId: alert.ruleId,
      version: alert.version,
      isSimulated: alert.isSimulated,
      correlationKey: alert.correlationKey,
      evidenceAuditIds: [...alert.evidenceAuditIds],
      subscriptionId: alert.subscriptionId,
      extendedProperties: { ...alert.extendedProperties },
    },
  };
  return finding;
}

/** The first finite value (a time that parsed), else 0. */
function firstFinite(...values: number[]): number {
  return values.find((value) => Number.isFinite(value)) ?? 0;
}

function optionalTime<K extends string>(key: K, isoTime: string): Partial<Record<K, number>> {
  const ms = Date.parse(isoTime);
  return Number.isFinite(ms) ? ({ [key]: ms } as Record<K, number>) : {};
}

function attacksOf(alert: Alert): OcsfAttack[] {
  const tactic = attackTacticOf(alert.intent);
  const withTactic = tactic === undefined ? {} : { tactic: { ...tactic } };
  if (alert.techniques.length === 0) return tactic === undefined ? [] : [withTactic];
  return alert.techniques.map((id) => {
    const dot = id.indexOf('.');
    if (dot < 0) return { ...withTactic, technique: { uid: id } };
    return { ...withTactic, technique: { uid: id.slice(0, dot) }, sub_technique: { uid: id } };
  });
}

function resourcesOf(alert: Alert): OcsfResourceDetails[] {
  const cluster: OcsfResourceDetails = { uid: alert.clusterResourceId, name: alert.compromisedEntity, type: 'Kubernetes Cluster' };
  const others = alert.entities.flatMap((entity): OcsfResourceDetails[] => {
    const type = resourceTypes[entity.type];
    if (type === undefined || entity.name === undefined || entity.name === '') return [];
    const data: Record<string, string> = {};
    if (entity.namespace !== undefined) data['namespace'] = entity.namespace;
    if (entity.kind !== undefined) data['kind'] = entity.kind;
    return [{ name: entity.name, type, ...(Object.keys(data).length > 0 ? { data } : {}) }];
  });
  return [cluster, ...others];
}

function observablesOf(alert: Alert, evidence: OcsfEvidence | undefined): OcsfObservable[] {
  const observables: OcsfObservable[] = [
    observable('resources.uid', ObservableType.ResourceUid, alert.clusterResourceId),
  ];
  const account = firstEntity(alert, EntityType.account)?.name;
  if (account) observables.push(observable('actor.user.name', ObservableType.UserName, account));
  const ip = evidence?.src_endpoint?.ip;
  if (ip) observables.push(observable('evidences.src_endpoint.ip', ObservableType.IpAddress, ip));
  for (const entity of alert.entities) {
    const type = resourceTypes[entity.type];
    if (type !== undefined && entity.name) observables.push(observable('resources.name', { id: ObservableType.Other.id, name: type }, entity.name));
  }
  const image = firstEntity(alert, EntityType.image)?.imageId;
  if (image) observables.push(observable('evidences.container.image.name', { id: ObservableType.Other.id, name: 'Container Image' }, image));
  if (evidence !== undefined) observables.push(...nodeObservablesOf(evidence));
  return observables;
}

/** The node, the remote address, the process and the file of a node alert's first evidence. */
function nodeObservablesOf(evidence: OcsfEvidence): OcsfObservable[] {
  const observables: OcsfObservable[] = [];
  if (evidence.device) observables.push(observable('evidences.device.hostname', ObservableType.Hostname, evidence.device.hostname));
  if (evidence.dst_endpoint) observables.push(observable('evidences.dst_endpoint.ip', ObservableType.IpAddress, evidence.dst_endpoint.ip));
  const [process, processPath] = evidence.process ? [evidence.process, 'evidences.process'] : [evidence.data?.process, 'evidences.data.process'];
  if (process?.name) observables.push(observable(`${processPath}.name`, ObservableType.ProcessName, process.name));
  if (process?.cmd_line) observables.push(observable(`${processPath}.cmd_line`, ObservableType.CommandLine, process.cmd_line));
  if (evidence.file) observables.push(observable('evidences.file.name', ObservableType.FileName, evidence.file.name));
  return observables;
}

function observable(name: string, type: { id: number; name: string }, value: string): OcsfObservable {
  return { name, type_id: type.id, type: type.name, value };
}

/** The first evidence (what the alert is about), then, for node alerts, one per further file and remote address. */
function evidencesOf(alert: Alert, user: OcsfUser | undefined): OcsfEvidence[] {
  const isNode = isNodeAlert(alert);
  const ip = isNode ? undefined : firstEntity(alert, EntityType.ip)?.address;
  const containers = alert.entities.filter((entity) => entity.type === EntityType.container && entity.name);
  const images = alert.entities.filter((entity) => entity.type === EntityType.image && entity.imageId);
  // A container with its image only when the pairing is certain: one container and one image.
  const [container] = containers;
  const image = containers.length === 1 && images.length === 1 ? images[0]?.imageId : undefined;
  const files = isNode ? alert.entities.flatMap((entity) => (entity.type === EntityType.file && entity.name ? [fileOf(entity.name, FileType.Unknown)] : [])) : [];
  const endpoints = isNode ? alert.entities.flatMap((entity) => (entity.type === EntityType.ip && entity.address ? [endpointOf(entity.address, entity.port)] : [])) : [];
  const [file, ...moreFiles] = files;
  const [endpoint, ...moreEndpoints] = endpoints;
  const evidence: OcsfEvidence = {
    ...(user === undefined ? {} : { actor: { user: { ...user } } }),
    ...(ip ? { src_endpoint: { ip } } : {}),
    ...(container?.name ? { container: { name: container.name, ...(image ? { image: { name: image } } : {}) } } : {}),
    ...(isNode ? nodeEvidenceOf(alert) : {}),
    ...(file === undefined ? {} : { file }),
    ...(endpoint === undefined ? {} : { dst_endpoint: endpoint }),
  };
  return [
    ...(Object.keys(evidence).length > 0 ? [evidence] : []),
    ...moreFiles.map((more): OcsfEvidence => ({ file: more })),
    ...moreEndpoints.map((more): OcsfEvidence => ({ dst_endpoint: more })),
  ];
}


/** The node (`device`) and the process tree of a node alert. */
function nodeEvidenceOf(alert: Alert): Pick<OcsfEvidence, 'device' | 'process' | 'data'> {
  const nodeName = firstEntity(alert, EntityType.host)?.name || alert.extendedProperties['node'];
  const device = nodeName ? { device: { hostname: nodeName, type_id: NODE_DEVICE_TYPE.id, type: NODE_DEVICE_TYPE.name } } : {};
  const process = processTreeOf(alert);
  if (process === undefined) return device;
  return { ...device, ...(process.pid === undefined ? { data: { process } } : { process }) };
}

/**
 * The acting process with its parent and lineage. Entities list each finding's tree together (process, parent,
 * ancestors nearest first), so the tree is the run of process entities that starts at the first acting one.
 */
function processTreeOf(alert: Alert): OcsfProcess | undefined {
  const start = alert.entities.findIndex((entity) => entity.type === EntityType.process && entity.role === 'process');
  const acting = alert.entities[start];
  if (acting === undefined) return undefined;
  const rest = alert.entities.slice(start + 1);
  const end = rest.findIndex((entity) => entity.type !== EntityType.process || entity.role === 'process' || entity.role === undefined);
  const tree = end < 0 ? rest : rest.slice(0, end);
  const parent = tree.find((entity) => entity.role === 'parent');
  const ancestors = tree.filter((entity) => entity.role === 'ancestor');
  const parentProcess = parent === undefined ? undefined : processOf(parent);
  const lineage = [...ancestors.reverse(), ...(parent === undefined ? [] : [parent]), acting].map((entity) => entity.name).filter((name): name is string => !!name);
  return {
    ...processOf(acting),
    // 1.3.0 requires a pid of a Process object: a parent without one is left out.
    ...(parentProcess?.pid === undefined ? {} : { parent_process: parentProcess }),
    ...(ancestors.length > 0 ? { lineage } : {}),
  };
}

function processOf(entity: AlertEntity): OcsfProcess {
  const path = entity.name;
  return {
    ...(path ? { name: baseName(path) } : {}),
    ...(entity.processId === undefined ? {} : { pid: entity.processId }),
    ...(entity.commandLine ? { cmd_line: entity.commandLine } : {}),
    ...(path ? { file: fileOf(path, FileType.RegularFile) } : {}),
  };
}

function fileOf(path: string, type: { id: number; name: string }): OcsfFile {
  return { name: baseName(path), path, type_id: type.id, type: type.name };
}

function endpointOf(ip: string, port: number | undefined): OcsfNetworkEndpoint {
  return { ip, ...(port === undefined ? {} : { port }) };
}

/** The last segment of a path (the path itself when it ends with a separator or has none). */
function baseName(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  return name === '' ? path : name;
}

function firstEntity(alert: Alert, type: EntityType): AlertEntity | undefined {
  return alert.entities.find((entity) => entity.type === type);
}
