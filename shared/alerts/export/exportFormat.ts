import { type Alert } from '../alert';
import { toCefLine } from './cefFormat';
import { type ExportedAlert, toExportedAlert } from './exportedAlert';
import { type ExportedAssessment } from '../../posture/export/exportedAssessment';
import { type OcsfComplianceFinding } from '../../posture/export/assessmentOcsf';
import { type ExportedIncident } from './exportedIncident';
import { type OcsfIncidentFinding } from './incidentOcsf';
import { OCSF_SCHEMA_VERSION, type OcsfDetectionFinding, toOcsfDetectionFinding } from './ocsfFormat';

/** The formats SIEMs and SOAR systems can take alerts in. */
export const ExportFormat = { json: 'json', cef: 'cef', ocsf: 'ocsf' } as const;
export type ExportFormat = (typeof ExportFormat)[keyof typeof ExportFormat];
export const EXPORT_FORMATS: readonly ExportFormat[] = Object.values(ExportFormat);

/** One alert (or assessment, or incident) in an export format: a JSON value (json, ocsf) or a line of text (cef). */
export type ExportRecord =
  | { kind: 'json'; value: ExportedAlert | OcsfDetectionFinding | ExportedAssessment | OcsfComplianceFinding | ExportedIncident | OcsfIncidentFinding }
  | { kind: 'text'; line: string };

export interface ExportFormatOptions {
  /** The app's version, named by CEF headers and OCSF metadata. */
  productVersion: string;
}

export function toExportRecord(format: ExportFormat, alert: Alert, options: ExportFormatOptions): ExportRecord {
  switch (format) {
    case ExportFormat.json:
      return { kind: 'json', value: toExportedAlert(alert) };
    case ExportFormat.ocsf:
      return { kind: 'json', value: toOcsfDetectionFinding(alert, options) };
    case ExportFormat.cef:
      return { kind: 'text', line: toCefLine(alert, options) };
  }
}

/** What the export says about its format beside the records (the OCSF schema version it follows). */
export function formatMetadata(format: ExportFormat): Record<string, string> {
  return format === ExportFormat.ocsf ? { ocsfSchemaVersion: OCSF_SCHEMA_VERSION } : {};
}
