import { AssessmentStatusCode } from '../../../../shared/posture/assessment';
import { pssApparmor } from '../../../../shared/posture/checks/workload/pss-apparmor';
import { pssProbeLifecycleHost } from '../../../../shared/posture/checks/workload/pss-probe-lifecycle-host';
import { pssProcMount } from '../../../../shared/posture/checks/workload/pss-proc-mount';
import { pssSeccompBaseline } from '../../../../shared/posture/checks/workload/pss-seccomp-baseline';
import { pssSelinux } from '../../../../shared/posture/checks/workload/pss-selinux';
import { pssSysctls } from '../../../../shared/posture/checks/workload/pss-sysctls';
import { type ControlOutcome, type WorkloadControl } from '../../../../shared/posture/workloadControl';
import { workloadObjectOf } from '../../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../../shared/posture/workloadSettings';

/** A pod in namespace `shop` with the given spec (and pod annotations). */
function pod(spec: Record<string, unknown>, annotations?: Record<string, unknown>): unknown {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop', ...(annotations === undefined ? {} : { annotations }) }, spec };
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

describe('pss-apparmor', () => {
  it('when the pod, an init container and an annotation disable AppArmor, then each is a finding with its path and value', () => {
    const outcome = evaluate(
      pssApparmor,
      pod(
        {
          securityContext: { appArmorProfile: { type: 'Unconfined' } },
          initContainers: [{ name: 'setup', securityContext: { appArmorProfile: { type: 'RuntimeDefault' } } }, { name: 'fetch', securityContext: { appArmorProfile: { type: 'Unconfined' } } }],
          containers: [app],
        },
        { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined', 'container.apparmor.security.beta.kubernetes.io/other': 'localhost/deny-write' },
      ),
    );
    expect(findingsOf(outcome)).toEqual([
      { field: 'securityContext.appArmorProfile.type', value: 'Unconfined' },
      { container: 'fetch', containerKind: 'initContainer', field: 'initContainers[1].securityContext.appArmorProfile.type', value: 'Unconfined' },
      { container: 'app', containerKind: 'container', field: "metadata.annotations['container.apparmor.security.beta.kubernetes.io/app']", value: 'unconfined' },
    ]);
  });

  it('when an appArmorProfile has no type, then it fails as upstream does', () => {
    expect(findingsOf(evaluate(pssApparmor, pod({ containers: [{ ...app, securityContext: { appArmorProfile: {} } }] })))).toEqual([
      { container: 'app', containerKind: 'container', field: 'containers[0].securityContext.appArmorProfile.type', value: '(absent)' },
    ]);
  });
});

describe('pss-selinux', () => {
  it('when types off the list, a user and a role are set, then each is a finding and allowed types and levels are not', () => {
    const outcome = evaluate(
      pssSelinux,
      pod({
        securityContext: { seLinuxOptions: { user: 'system_u', level: 's0:c1,c2' } },
        containers: [
          { ...app, securityContext: { seLinuxOptions: { type: 'container_kvm_t' } } },
          { name: 'side', securityContext: { seLinuxOptions: { type: 'spc_t', role: 'system_r' } } },
        ],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { field: 'securityContext.seLinuxOptions.user', value: 'system_u' },
      { container: 'side', containerKind: 'container', field: 'containers[1].securityContext.seLinuxOptions.type', value: 'spc_t' },
      { container: 'side', containerKind: 'container', field: 'containers[1].securityContext.seLinuxOptions.role', value: 'system_r' },
    ]);
  });

  it('when the type is empty, then it is allowed', () => {
    expect(evaluate(pssSelinux, pod({ containers: [{ ...app, securityContext: { seLinuxOptions: { type: '' } } }] })).code).toBe(AssessmentStatusCode.Healthy);
  });
});

describe('pss-proc-mount', () => {
  it('when an ephemeral container asks for an unmasked /proc, then the finding names it', () => {
    const outcome = evaluate(pssProcMount, pod({ containers: [app], ephemeralContainers: [{ name: 'debug', securityContext: { procMount: 'Unmasked' } }] }));
    expect(findingsOf(outcome)).toEqual([{ container: 'debug', containerKind: 'ephemeralContainer', field: 'ephemeralContainers[0].securityContext.procMount', value: 'Unmasked' }]);
  });

  it('when the pod runs in its own user namespace, then an unmasked /proc is allowed (policy 1.35+)', () => {
    const spec = { containers: [{ ...app, securityContext: { procMount: 'Unmasked' } }] };
    expect(evaluate(pssProcMount, pod({ ...spec, hostUsers: false })).code).toBe(AssessmentStatusCode.Healthy);
    expect(evaluate(pssProcMount, pod({ ...spec, hostUsers: 'false' })).code).toBe(AssessmentStatusCode.Unhealthy);
  });
});

describe('pss-seccomp-baseline', () => {
  it('when the pod level is Unconfined and a container is Localhost, then only the pod level is a finding', () => {
    const outcome = evaluate(
      pssSeccompBaseline,
      pod({ securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ ...app, securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'p.json' } } }] }),
    );
    expect(findingsOf(outcome)).toEqual([{ field: 'securityContext.seccompProfile.type', value: 'Unconfined' }]);
  });

  it('when only the legacy annotation says unconfined, then the control does not judge it', () => {
    expect(evaluate(pssSeccompBaseline, pod({ containers: [app] }, { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' })).code).toBe(AssessmentStatusCode.Healthy);
  });
});

describe('pss-sysctls', () => {
  it('when safe and unsafe sysctls are mixed, then each unsafe one is a finding at its index', () => {
    const outcome = evaluate(
      pssSysctls,
      pod({
        securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem', value: '4096 87380 16777216' }, null, { name: 'net.core.somaxconn', value: '1024' }, { value: '1' }] },
        containers: [app],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { field: 'securityContext.sysctls[2].name', value: 'net.core.somaxconn' },
      { field: 'securityContext.sysctls[3].name', value: '(absent)' },
    ]);
  });
});

describe('pss-probe-lifecycle-host', () => {
  it('when probes and hooks name hosts, then each host is a finding with its handler path', () => {
    const outcome = evaluate(
      pssProbeLifecycleHost,
      pod({
        containers: [
          app,
          {
            name: 'web',
            livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } },
            startupProbe: { tcpSocket: { host: '', port: 80 } },
            lifecycle: { postStart: { tcpSocket: { host: 'localhost', port: 22 } } },
          },
        ],
      }),
    );
    expect(findingsOf(outcome)).toEqual([
      { container: 'web', containerKind: 'container', field: 'containers[1].livenessProbe.httpGet.host', value: '10.0.0.1' },
      { container: 'web', containerKind: 'container', field: 'containers[1].lifecycle.postStart.tcpSocket.host', value: 'localhost' },
    ]);
  });
});
