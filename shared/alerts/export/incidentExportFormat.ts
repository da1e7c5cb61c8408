import { type Incident } from '../incident';
import { toExportedIncident } from './exportedIncident';
import { ExportFormat, type ExportFormatOptions, type ExportRecord } from './exportFormat';
import { toIncidentCefLine } from './incidentCef';
import { toOcsfIncidentFinding } from './incidentOcsf';

/** An incident in an export format, as `toExportRecord` does for alerts: JSON, OCSF Incident Finding, or CEF. */
export function toIncidentExportRecord(format: ExportFormat, incident: Incident, options: ExportFormatOptions): ExportRecord {
  switch (format) {
    case ExportFormat.json:
      return { kind: 'json', value: toExportedIncident(incident) };
    case ExportFormat.ocsf:
      return { kind: 'json', value: toOcsfIncidentFinding(incident, options) };
    case ExportFormat.cef:
      return { kind: 'text', line: toIncidentCefLine(incident, options) };
  }
}
