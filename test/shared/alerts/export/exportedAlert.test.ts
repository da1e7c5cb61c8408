import { type Alert } from '../../../../shared/alerts/alert';
import { toExportedAlert } from '../../../../shared/alerts/export/exportedAlert';
import { templateAlert } from '../../../support/alertFixtures';

function ingestedAlert(): Alert {
  return { ...templateAlert(), version: 3, lastModifiedUtc: '2026-11-02T12:30:00.000Z', ingestedThrough: { 'audit/0': 41, 'audit/1': 7 } };
}

describe('toExportedAlert', () => {
  it('when the alert carries ingestion bookkeeping, then the export leaves it out', () => {
    const exported = toExportedAlert(ingestedAlert());
    expect('ingestedThrough' in exported).toBe(false);
    expect(JSON.stringify(exported)).not.toContain('ingestedThrough');
  });

  it('when an alert is exported, then every other field is kept with its value', () => {
    const alert = ingestedAlert();
    const { ingestedThrough: _ingestedThrough, ...expected } = alert;
    const exported = toExportedAlert(alert);
    expect(exported).toEqual(expected);
    expect(Object.keys(exported).sort()).toEqual(Object.keys(alert).filter((key) => key !== 'ingestedThrough').sort());
    expect([exported.id, exported.version, exported.lastModifiedUtc]).toEqual([alert.id, 3, '2026-11-02T12:30:00.000Z']);
  });

  it('when an alert is exported, then the alert itself keeps its bookkeeping', () => {
    const alert = ingestedAlert();
    toExportedAlert(alert);
    expect(alert.ingestedThrough).toEqual({ 'audit/0': 41, 'audit/1': 7 });
  });
});
