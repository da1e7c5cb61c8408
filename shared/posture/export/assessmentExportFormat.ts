import { ExportFormat, type ExportFormatOptions, type ExportRecord } from '../../alerts/export/exportFormat';
import { type Assessment } from '../evaluateClusterChecks';
import { toAssessmentCefLine } from './assessmentCef';
import { toOcsfComplianceFinding } from './assessmentOcsf';
import { toExportedAssessment } from './exportedAssessment';

/** An assessment in an export format, as `toExportRecord` does for alerts: JSON, OCSF Compliance Finding, or CEF. */
export function toAssessmentExportRecord(format: ExportFormat, assessment: Assessment, options: ExportFormatOptions): ExportRecord {
  switch (format) {
    case ExportFormat.json:
      return { kind: 'json', value: toExportedAssessment(assessment) };
    case ExportFormat.ocsf:
      return { kind: 'json', value: toOcsfComplianceFinding(assessment, options) };
    case ExportFormat.cef:
      return { kind: 'text', line: toAssessmentCefLine(assessment, options) };
  }
}
