import { AlertStatus } from '../../../shared/alerts/alert';
import { alertStatusActions, changeAlertStatus, isAlertStatusAction } from '../../../shared/alerts/changeAlertStatus';
import { templateAlert } from '../../support/alertFixtures';

const now = new Date('2026-11-02T13:14:15.678Z');
const dana = { principalId: '0b6f1d7e-3c2a-4f5e-9a8b-1c2d3e4f5a6b', principalName: 'Dana Admin' };

describe('changeAlertStatus', () => {
  it.each([
    ['dismiss', 'Dismissed'],
    ['resolve', 'Resolved'],
    ['inProgress', 'InProgress'],
  ] as const)('when an active alert gets %s, then its status is %s and the history has one entry saying who, when and what', (action, status) => {
    const alert = templateAlert();
    const outcome = changeAlertStatus(alert, { action, ...dana, now });
    expect(outcome.kind).toBe('changed');
    expect(outcome.alert.status).toBe(status);
    expect(outcome.alert.statusHistory).toEqual([{ status, principalId: dana.principalId, principalName: 'Dana Admin', timeUtc: '2026-11-02T13:14:15.678Z' }]);
  });

  it('when a dismissed alert is activated, then it is Active again and both changes stay in the history, oldest first', () => {
    const dismissed = changeAlertStatus(templateAlert(), { action: 'dismiss', ...dana, now, comment: 'test cluster' }).alert;
    const outcome = changeAlertStatus(dismissed, { action: 'activate', principalId: 'p2', principalName: 'Eve', now: new Date('2026-11-02T14:00:00Z') });
    expect(outcome.alert.status).toBe(AlertStatus.Active);
    expect(outcome.alert.statusHistory.map((h) => [h.status, h.principalName, h.comment])).toEqual([
      ['Dismissed', 'Dana Admin', 'test cluster'],
      ['Active', 'Eve', undefined],
    ]);
  });

  it('when the alert already has the requested status, then nothing changes and no history entry is added', () => {
    const dismissed = changeAlertStatus(templateAlert(), { action: 'dismiss', ...dana, now }).alert;
    const outcome = changeAlertStatus(dismissed, { action: 'dismiss', ...dana, now: new Date('2026-11-03T00:00:00Z'), comment: 'again' });
    expect(outcome).toEqual({ kind: 'unchanged', alert: dismissed });
    expect(changeAlertStatus(templateAlert(), { action: 'activate', ...dana, now }).kind).toBe('unchanged');
  });

  it('when a comment has surrounding blanks or is blank, then it is trimmed or left out', () => {
    expect(changeAlertStatus(templateAlert(), { action: 'resolve', ...dana, now, comment: '  fixed in v2 \n' }).alert.statusHistory[0]?.comment).toBe('fixed in v2');
    expect(changeAlertStatus(templateAlert(), { action: 'resolve', ...dana, now, comment: '   ' }).alert.statusHistory[0]).not.toHaveProperty('comment');
  });

  it('when the status changes, then the input alert is left untouched', () => {
    const alert = templateAlert();
    const before = structuredClone(alert);
    changeAlertStatus(alert, { action: 'dismiss', ...dana, now });
    expect(alert).toEqual(before);
  });

  it('when an action name is checked, then only the four actions are accepted (not inherited properties)', () => {
    expect(Object.keys(alertStatusActions).filter(isAlertStatusAction)).toEqual(['dismiss', 'resolve', 'activate', 'inProgress']);
    expect(['toString', 'Dismiss', 'constructor', ''].some(isAlertStatusAction)).toBe(false);
  });
});
