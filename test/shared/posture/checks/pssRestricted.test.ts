import { pssCapabilitiesRestricted } from '../../../../shared/posture/checks/workload/pss-capabilities-restricted';
import { pssPrivilegeEscalation } from '../../../../shared/posture/checks/workload/pss-privilege-escalation';
import { pssRunAsNonRoot } from '../../../../shared/posture/checks/workload/pss-run-as-non-root';
import { pssRunAsNonRootUser } from '../../../../shared/posture/checks/workload/pss-run-as-non-root-user';
import { pssSeccompRestricted } from '../../../../shared/posture/checks/workload/pss-seccomp-restricted';
import { pssVolumeTypes } from '../../../../shared/posture/checks/workload/pss-volume-types';
import { type ControlOutcome, type WorkloadControl } from '../../../../shared/posture/workloadControl';
import { workloadObjectOf } from '../../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS } from '../../../../shared/posture/workloadSettings';

function evaluate(control: WorkloadControl, spec: Record<string, unknown>): ControlOutcome {
  const object = workloadObjectOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec });
  if (object === undefined) throw new Error('not a workload object');
  return control.evaluate(object, DEFAULT_WORKLOAD_SETTINGS);
}

const hardened = { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } };

describe('pss-volume-types', () => {
  it('when a pod has an allowed volume, a hostPath and an nfs volume, then each disallowed source is a finding at its index', () => {
    const outcome = evaluate(pssVolumeTypes, {
      containers: [{ name: 'c', image: 'i' }],
      volumes: [
        { name: 'config', configMap: { name: 'cfg' } },
        { name: 'sock', hostPath: { path: '/var/run/docker.sock' } },
        { name: 'share', nfs: { server: '10.0.0.1', path: '/x' } },
      ],
    });
    expect(outcome).toEqual({
      code: 'Unhealthy',
      findings: [
        { field: 'volumes[1].hostPath', value: 'sock: {"path":"/var/run/docker.sock"}' },
        { field: 'volumes[2].nfs', value: 'share: {"server":"10.0.0.1","path":"/x"}' },
      ],
    });
  });

  it('when a volume sets an allowed source next to a disallowed one, then it passes as upstream does', () => {
    expect(evaluate(pssVolumeTypes, { containers: [], volumes: [{ name: 'v', emptyDir: {}, hostPath: { path: '/' } }] }).code).toBe('Healthy');
  });

  it('when a pod uses an OCI image volume, then it passes (allowed by Pod Security Admission since 1.33)', () => {
    expect(evaluate(pssVolumeTypes, { containers: [], volumes: [{ name: 'model', image: { reference: 'contoso.azurecr.io/models/m:1' } }] }).code).toBe('Healthy');
  });

  it('when a volume has a source Kubernetes does not know, then it fails like upstream\'s unknown type', () => {
    expect(evaluate(pssVolumeTypes, { containers: [], volumes: [{ name: 'v', fancyDisk: { id: 1 } }] })).toMatchObject({ code: 'Unhealthy', findings: [{ field: 'volumes[0].fancyDisk' }] });
  });
});

describe('pss-privilege-escalation', () => {
  it('when containers leave the field unset, set it true or set it as a string, then each is a finding naming container, path and value', () => {
    const outcome = evaluate(pssPrivilegeEscalation, {
      initContainers: [{ name: 'init', securityContext: { allowPrivilegeEscalation: 'false' } }],
      containers: [null, { name: 'app', securityContext: { allowPrivilegeEscalation: false } }, { name: 'side', securityContext: { allowPrivilegeEscalation: true } }, { name: 'bare' }],
    });
    expect(outcome).toEqual({
      code: 'Unhealthy',
      findings: [
        { container: 'side', containerKind: 'container', field: 'containers[2].securityContext.allowPrivilegeEscalation', value: 'true' },
        { container: 'bare', containerKind: 'container', field: 'containers[3].securityContext.allowPrivilegeEscalation', value: '(absent)' },
        { container: 'init', containerKind: 'initContainer', field: 'initContainers[0].securityContext.allowPrivilegeEscalation', value: 'false' },
      ],
    });
  });

  it('when the pod is a Linux pod that says so (spec.os.name: linux), then it is still judged', () => {
    expect(evaluate(pssPrivilegeEscalation, { os: { name: 'linux' }, containers: [{ name: 'c' }] }).code).toBe('Unhealthy');
  });

  it('when the pod is a Windows pod, then it is NotApplicable with cause windowsPod', () => {
    expect(evaluate(pssPrivilegeEscalation, { os: { name: 'windows' }, containers: [{ name: 'c' }] })).toMatchObject({ code: 'NotApplicable', cause: 'windowsPod' });
  });
});

describe('pss-run-as-non-root', () => {
  it('when the pod sets nothing, then every container is a finding with (absent)', () => {
    expect(evaluate(pssRunAsNonRoot, { containers: [{ name: 'a' }], ephemeralContainers: [{ name: 'dbg' }] })).toEqual({
      code: 'Unhealthy',
      findings: [
        { container: 'a', containerKind: 'container', field: 'containers[0].securityContext.runAsNonRoot', value: '(absent)' },
        { container: 'dbg', containerKind: 'ephemeralContainer', field: 'ephemeralContainers[0].securityContext.runAsNonRoot', value: '(absent)' },
      ],
    });
  });

  it('when the pod sets false and a container sets true, then only the pod-level field is a finding', () => {
    expect(evaluate(pssRunAsNonRoot, { securityContext: { runAsNonRoot: false }, containers: [{ name: 'a', securityContext: { runAsNonRoot: true } }] })).toEqual({
      code: 'Unhealthy',
      findings: [{ field: 'securityContext.runAsNonRoot', value: 'false' }],
    });
  });

  it('when the pod sets true and a container overrides it with false, then the container is a finding', () => {
    expect(
      evaluate(pssRunAsNonRoot, { securityContext: { runAsNonRoot: true }, containers: [{ name: 'a' }, { name: 'b', securityContext: { runAsNonRoot: false } }] }),
    ).toEqual({ code: 'Unhealthy', findings: [{ container: 'b', containerKind: 'container', field: 'containers[1].securityContext.runAsNonRoot', value: 'false' }] });
  });

  it('when a pod uses user namespaces (hostUsers: false) without runAsNonRoot, then it still fails (the relaxation is feature-gated, off by default)', () => {
    expect(evaluate(pssRunAsNonRoot, { hostUsers: false, containers: [{ name: 'a' }] }).code).toBe('Unhealthy');
  });
});

describe('pss-run-as-non-root-user', () => {
  it('when the pod and an init container set runAsUser 0, then both are findings', () => {
    expect(
      evaluate(pssRunAsNonRootUser, { securityContext: { runAsUser: 0 }, initContainers: [{ name: 'i', securityContext: { runAsUser: 0 } }], containers: [{ name: 'c', securityContext: { runAsUser: 1000 } }] }),
    ).toEqual({
      code: 'Unhealthy',
      findings: [
        { field: 'securityContext.runAsUser', value: '0' },
        { container: 'i', containerKind: 'initContainer', field: 'initContainers[0].securityContext.runAsUser', value: '0' },
      ],
    });
  });

  it('when runAsUser is unset everywhere, then it is Healthy', () => {
    expect(evaluate(pssRunAsNonRootUser, { containers: [{ name: 'c' }] }).code).toBe('Healthy');
  });
});

describe('pss-seccomp-restricted', () => {
  it('when the pod sets Unconfined and containers set nothing, then the pod and each container are findings', () => {
    expect(evaluate(pssSeccompRestricted, { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c' }] })).toEqual({
      code: 'Unhealthy',
      findings: [
        { field: 'securityContext.seccompProfile.type', value: 'Unconfined' },
        { container: 'c', containerKind: 'container', field: 'containers[0].securityContext.seccompProfile.type', value: '(absent)' },
      ],
    });
  });

  it('when a container sets a seccompProfile without a type, then it is a finding even under a valid pod-level profile', () => {
    expect(
      evaluate(pssSeccompRestricted, { securityContext: { seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'c', securityContext: { seccompProfile: {} } }] }),
    ).toEqual({ code: 'Unhealthy', findings: [{ container: 'c', containerKind: 'container', field: 'containers[0].securityContext.seccompProfile.type', value: '(absent)' }] });
  });

  it('when the legacy seccomp annotation is the only setting, then it fails (restricted reads only the field)', () => {
    const object = workloadObjectOf({
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'shop', annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'runtime/default' } },
      spec: { containers: [{ name: 'c' }] },
    });
    expect(object && pssSeccompRestricted.evaluate(object, DEFAULT_WORKLOAD_SETTINGS).code).toBe('Unhealthy');
  });
});

describe('pss-capabilities-restricted', () => {
  it('when a container drops lower-case all and adds SYS_ADMIN after NET_BIND_SERVICE, then the drop list and the add entry are findings', () => {
    expect(evaluate(pssCapabilitiesRestricted, { containers: [{ name: 'c', securityContext: { capabilities: { drop: ['all'], add: ['NET_BIND_SERVICE', 'SYS_ADMIN'] } } }] })).toEqual({
      code: 'Unhealthy',
      findings: [
        { container: 'c', containerKind: 'container', field: 'containers[0].securityContext.capabilities.drop', value: '["all"]' },
        { container: 'c', containerKind: 'container', field: 'containers[0].securityContext.capabilities.add[1]', value: 'SYS_ADMIN' },
      ],
    });
  });

  it('when add is not a list, then it is a finding rather than ignored', () => {
    expect(evaluate(pssCapabilitiesRestricted, { containers: [{ name: 'c', securityContext: { capabilities: { drop: ['ALL'], add: 'ALL' } } }] })).toEqual({
      code: 'Unhealthy',
      findings: [{ container: 'c', containerKind: 'container', field: 'containers[0].securityContext.capabilities.add', value: 'ALL' }],
    });
  });

  it('when a container sets no capabilities, then the drop list is a finding with (absent)', () => {
    expect(evaluate(pssCapabilitiesRestricted, { containers: [{ name: 'c' }] })).toMatchObject({ code: 'Unhealthy', findings: [{ value: '(absent)' }] });
  });
});

describe('restricted controls together', () => {
  it('when every container of a pod is hardened as the restricted level asks, then every control is Healthy', () => {
    const spec = { securityContext: { runAsUser: 10001 }, initContainers: [{ name: 'i', securityContext: hardened }], containers: [{ name: 'c', securityContext: hardened }], volumes: [{ name: 'v', emptyDir: {} }] };
    for (const control of [pssVolumeTypes, pssPrivilegeEscalation, pssRunAsNonRoot, pssRunAsNonRootUser, pssSeccompRestricted, pssCapabilitiesRestricted]) {
      expect([control.name, evaluate(control, spec).code]).toEqual([control.name, 'Healthy']);
    }
  });
});
