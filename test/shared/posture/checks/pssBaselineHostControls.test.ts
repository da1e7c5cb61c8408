import { AssessmentStatusCode } from '../../../../shared/posture/assessment';
import { pssCapabilitiesBaseline } from '../../../../shared/posture/checks/workload/pss-capabilities-baseline';
import { pssHostNamespaces } from '../../../../shared/posture/checks/workload/pss-host-namespaces';
import { pssHostPathVolumes } from '../../../../shared/posture/checks/workload/pss-host-path-volumes';
import { pssHostPorts } from '../../../../shared/posture/checks/workload/pss-host-ports';
import { pssHostProcess } from '../../../../shared/posture/checks/workload/pss-host-process';
import { pssPrivileged } from '../../../../shared/posture/checks/workload/pss-privileged';
import { containerPath, findingValue } from '../../../../shared/posture/containerFinding';
import { type ControlOutcome, type WorkloadControl } from '../../../../shared/posture/workloadControl';
import { workloadObjectOf } from '../../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../../shared/posture/workloadSettings';

function pod(spec: Record<string, unknown>): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec };
}

function deployment(podSpec: Record<string, unknown>): unknown {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'shop' }, spec: { template: { spec: podSpec } } };
}

function evaluate(control: WorkloadControl, manifest: unknown): ControlOutcome {
  const object = workloadObjectOf(manifest);
  if (object === undefined) throw new Error('not a workload object');
  return control.evaluate(object, DEFAULT_WORKLOAD_SETTINGS);
}

function findingsOf(outcome: ControlOutcome): unknown[] {
  return outcome.code === AssessmentStatusCode.Unhealthy ? [...outcome.findings] : [];
}

const app = { name: 'app', image: 'contoso.azurecr.io/app:1' };

describe('containerFinding', () => {
  it('when a container list has holes, then the path uses the index as written', () => {
    const object = workloadObjectOf(pod({ containers: [app], initContainers: [null, 'x', { name: 'init' }] }));
    const init = object?.containers.find((container) => container.name === 'init');
    expect(init).toBeDefined();
    if (object === undefined || init === undefined) return;
    expect(containerPath(object.podSpec, init)).toBe('initContainers[2]');
  });

  it('when values of several types are shown, then strings stay as they are and the rest are JSON', () => {
    expect([findingValue('/var/log'), findingValue(true), findingValue(8080), findingValue(['ALL']), findingValue(undefined)]).toEqual([
      '/var/log',
      'true',
      '8080',
      '["ALL"]',
      'undefined',
    ]);
  });
});

describe('pss-privileged', () => {
  it('when the second init container and an ephemeral container are privileged, then both are named with their paths', () => {
    const outcome = evaluate(
      pssPrivileged,
      pod({
        containers: [app],
        initContainers: [{ name: 'a' }, { name: 'b', securityContext: { privileged: true } }],
        ephemeralContainers: [{ name: 'debug', securityContext: { privileged: true } }],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { container: 'b', containerKind: 'initContainer', field: 'initContainers[1].securityContext.privileged', value: 'true' },
      { container: 'debug', containerKind: 'ephemeralContainer', field: 'ephemeralContainers[0].securityContext.privileged', value: 'true' },
    ]);
  });

  it('when privileged is a string rather than false, then it fails as upstream allows only unset or false', () => {
    expect(findingsOf(evaluate(pssPrivileged, pod({ containers: [{ ...app, securityContext: { privileged: 'true' } }] })))).toEqual([
      expect.objectContaining({ field: 'containers[0].securityContext.privileged', value: 'true' }),
    ]);
  });

  it('when privileged is null, then it is Healthy', () => {
    expect(evaluate(pssPrivileged, pod({ containers: [{ ...app, securityContext: { privileged: null } }] })).code).toBe(AssessmentStatusCode.Healthy);
  });
});

describe('pss-host-process', () => {
  it('when the pod and one container set hostProcess, then the pod-level field and the container are both findings', () => {
    const outcome = evaluate(
      pssHostProcess,
      deployment({
        hostNetwork: true,
        securityContext: { windowsOptions: { hostProcess: true } },
        containers: [app, { name: 'agent', securityContext: { windowsOptions: { hostProcess: true } } }],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { field: 'securityContext.windowsOptions.hostProcess', value: 'true' },
      { container: 'agent', containerKind: 'container', field: 'containers[1].securityContext.windowsOptions.hostProcess', value: 'true' },
    ]);
  });
});

describe('pss-host-namespaces', () => {
  it('when all three host namespaces are shared, then each field is a finding', () => {
    const outcome = evaluate(pssHostNamespaces, pod({ hostNetwork: true, hostPID: true, hostIPC: true, containers: [app] }));
    expect(findingsOf(outcome)).toEqual([
      { field: 'hostNetwork', value: 'true' },
      { field: 'hostPID', value: 'true' },
      { field: 'hostIPC', value: 'true' },
    ]);
  });
});

describe('pss-capabilities-baseline', () => {
  it('when allowed and other capabilities are mixed, then only the others are findings, at their index', () => {
    const outcome = evaluate(pssCapabilitiesBaseline, pod({ containers: [{ ...app, securityContext: { capabilities: { add: ['CHOWN', 'SYS_ADMIN', 'KILL', 'sys_time'] } } }] }));
    expect(findingsOf(outcome)).toEqual([
      { container: 'app', containerKind: 'container', field: 'containers[0].securityContext.capabilities.add[1]', value: 'SYS_ADMIN' },
      { container: 'app', containerKind: 'container', field: 'containers[0].securityContext.capabilities.add[3]', value: 'sys_time' },
    ]);
  });

  it('when add is not a list, then it fails with the value found', () => {
    const outcome = evaluate(pssCapabilitiesBaseline, pod({ containers: [{ ...app, securityContext: { capabilities: { add: 'ALL' } } }] }));
    expect(findingsOf(outcome)).toEqual([expect.objectContaining({ field: 'containers[0].securityContext.capabilities.add', value: 'ALL' })]);
  });

  it('when only drop is set and add is empty, then it is Healthy', () => {
    const outcome = evaluate(pssCapabilitiesBaseline, pod({ containers: [{ ...app, securityContext: { capabilities: { add: [], drop: ['ALL'] } } }] }));
    expect(outcome.code).toBe(AssessmentStatusCode.Healthy);
  });
});

describe('pss-host-path-volumes', () => {
  it('when volumes mix hostPath and others around a hole, then each hostPath is named by its index as written', () => {
    const outcome = evaluate(
      pssHostPathVolumes,
      pod({ containers: [app], volumes: [{ name: 'tmp', emptyDir: {} }, null, { name: 'sock', hostPath: { path: '/var/run/docker.sock' } }, { name: 'odd', hostPath: {} }] }),
    );
    expect(findingsOf(outcome)).toEqual([
      { field: 'volumes[2].hostPath.path', value: '/var/run/docker.sock' },
      { field: 'volumes[3].hostPath', value: '{}' },
    ]);
  });
});

describe('pss-host-ports', () => {
  it('when an init container and a container bind host ports, then each port entry is a finding and hostPort 0 is not', () => {
    const outcome = evaluate(
      pssHostPorts,
      deployment({
        initContainers: [{ name: 'init', ports: [{ containerPort: 53, hostPort: 53 }] }],
        containers: [{ ...app, ports: [{ containerPort: 80, hostPort: 0 }, { containerPort: 443, hostPort: 8443 }] }],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { container: 'app', containerKind: 'container', field: 'containers[0].ports[1].hostPort', value: '8443' },
      { container: 'init', containerKind: 'initContainer', field: 'initContainers[0].ports[0].hostPort', value: '53' },
    ]);
  });
});
