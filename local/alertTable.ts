import { type Alert } from '../shared/alerts/alert';
import { type CorrelatedIncident } from '../shared/alerts/incident';
import { type AlertEntity, EntityType } from '../shared/detection/entities';

export interface TableColumn {
  header: string;
  /** The column is never wider than this; longer values are cut with "...". */
  maxWidth: number;
  align?: 'left' | 'right';
}

export interface FormatTableOptions {
  /** The last column takes what is left of this width (at least its header's width). */
  widthInColumns?: number;
}

const ELLIPSIS = '...';
const SEPARATOR = '  ';

/** Plain-ASCII table: a header, a dashed rule, one line per row; each column as wide as its widest value. */
export function formatTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[], options: FormatTableOptions = {}): string {
  const cleanRows = rows.map((row) => columns.map((_, index) => toAscii(row[index] ?? '')));
  const widths = columns.map((column, index) =>
    Math.min(column.maxWidth, Math.max(column.header.length, ...cleanRows.map((row) => (row[index] ?? '').length))),
  );
  const last = widths.length - 1;
  if (options.widthInColumns !== undefined && last >= 0) {
    const used = widths.slice(0, last).reduce((sum, width) => sum + width + SEPARATOR.length, 0);
    const header = columns[last]?.header.length ?? 0;
    widths[last] = Math.max(header, Math.min(widths[last] ?? 0, options.widthInColumns - used));
  }
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, index) => {
        const width = widths[index] ?? 0;
        const text = truncate(cell, width);
        return columns[index]?.align === 'right' ? text.padStart(width) : text.padEnd(width);
      })
      .join(SEPARATOR)
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cleanRows.map(line)].join('\n') + '\n';
}

export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= ELLIPSIS.length) return text.slice(0, width);
  return `${text.slice(0, width - ELLIPSIS.length)}${ELLIPSIS}`;
}

/** Keeps the table plain ASCII and on one line per row, whatever the names contain. */
function toAscii(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
}

const DEFAULT_WIDTH_IN_COLUMNS = 160;

const alertColumns: readonly TableColumn[] = [
  { header: 'time', maxWidth: 19 },
  { header: 'severity', maxWidth: 13 },
  { header: 'alertType', maxWidth: 40 },
  { header: 'cluster', maxWidth: 24 },
  { header: 'namespace', maxWidth: 20 },
  { header: 'actor', maxWidth: 48 },
  { header: 'count', maxWidth: 7, align: 'right' },
  { header: 'name', maxWidth: 80 },
];

/** The alerts as a table for a terminal (`argus scan --format table`). */
export function formatAlertTable(alerts: readonly Alert[], widthInColumns = DEFAULT_WIDTH_IN_COLUMNS): string {
  if (alerts.length === 0) return 'no alerts\n';
  const rows = alerts.map((alert) => [
    alert.startTimeUtc.slice(0, 19).replace('T', ' '),
    alert.severity,
    alert.alertType,
    alert.compromisedEntity,
    alert.extendedProperties['namespace'] ?? alert.entities.find((e) => e.type === EntityType.namespace)?.name ?? '',
    actorOf(alert),
    String(alert.count),
    alert.alertDisplayName,
  ]);
  return formatTable(alertColumns, rows, { widthInColumns });
}

/**
 * Who acted: the account of an audit alert; for a node alert, the pod (the node, for a host process) and the
 * acting process's binary.
 */
function actorOf(alert: Alert): string {
  const account = alert.entities.find((e) => e.type === EntityType.account)?.name;
  if (account !== undefined) return account;
  const process = alert.entities.find((e) => e.type === EntityType.process && e.role === 'process')?.name;
  if (process === undefined) return '';
  const pod = alert.entities.find((e) => e.type === EntityType.pod)?.name;
  const host = alert.entities.find((e) => e.type === EntityType.host)?.name;
  return `${pod ?? (host === undefined ? '' : `node ${host}`)} ${process}`.trim();
}

const incidentColumns: readonly TableColumn[] = [
  { header: 'time', maxWidth: 19 },
  { header: 'severity', maxWidth: 13 },
  { header: 'alerts', maxWidth: 7, align: 'right' },
  { header: 'intents', maxWidth: 72 },
  { header: 'sharedEntities', maxWidth: 120 },
];

/** The incidents as a table for a terminal (`argus scan --incidents --format table`): one row per incident. */
export function formatIncidentTable(incidents: readonly CorrelatedIncident[], widthInColumns = DEFAULT_WIDTH_IN_COLUMNS): string {
  if (incidents.length === 0) return 'no incidents\n';
  const rows = incidents.map((incident) => [
    incident.startTimeUtc.slice(0, 19).replace('T', ' '),
    incident.severity,
    String(incident.alertIds.length),
    incident.intents.join(' > '),
    incident.sharedEntities.map(sharedEntityText).join(', '),
  ]);
  return formatTable(incidentColumns, rows, { widthInColumns });
}

/** `account dana@contoso.com`, `pod default/debug`, `host aks-nodepool1-0`, `ip 203.0.113.24`: the entities correlation keeps. */
function sharedEntityText(entity: AlertEntity): string {
  switch (entity.type) {
    case EntityType.account:
      return `account ${entity.name ?? ''}`;
    case EntityType.pod:
      return `pod ${entity.namespace ?? ''}/${entity.name ?? ''}`;
    case EntityType.host:
      return `host ${entity.name ?? ''}`;
    case EntityType.ip:
      return `ip ${entity.address ?? ''}`;
    default:
      return `${entity.type} ${entity.name ?? entity.address ?? ''}`.trim();
  }
}
