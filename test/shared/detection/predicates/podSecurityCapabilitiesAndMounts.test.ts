import { createDetectionContext, defaultDetectionContext } from '../../../../shared/detection/detectionContext';
import { defaultDetectionLists } from '../../../../shared/detection/allowLists';
import { dangerousCapabilitiesOf, mountedVolumeNames } from '../../../../shared/detection/predicates/podSecurity';
import { ContainerKind, type ContainerView } from '../../../../shared/kubernetes/workloads';

function containerView(spec: Record<string, unknown>): ContainerView {
  return { kind: ContainerKind.container, name: 'app', image: 'contoso.azurecr.io/shop/web:1.4.2', spec };
}

describe('podSecurity: capabilities and mounts', () => {
  describe('dangerousCapabilitiesOf', () => {
    it('when a container adds listed capabilities in any case or with the CAP_ prefix, then they are returned normalized', () => {
      const view = containerView({ securityContext: { capabilities: { add: ['cap_sys_admin', 'NET_BIND_SERVICE', 'Sys_Ptrace'] } } });
      expect(dangerousCapabilitiesOf(view, defaultDetectionContext)).toEqual(['SYS_ADMIN', 'SYS_PTRACE']);
    });

    it('when a container only drops capabilities, then none is returned', () => {
      const view = containerView({ securityContext: { capabilities: { drop: ['ALL'] } } });
      expect(dangerousCapabilitiesOf(view, defaultDetectionContext)).toEqual([]);
    });

    it('when the capabilities field is malformed, then none is returned and nothing throws', () => {
      expect(dangerousCapabilitiesOf(containerView({ securityContext: { capabilities: { add: 'SYS_ADMIN' } } }), defaultDetectionContext)).toEqual([]);
      expect(dangerousCapabilitiesOf(containerView({ securityContext: { capabilities: { add: [42, null, 'ALL'] } } }), defaultDetectionContext)).toEqual(['ALL']);
      expect(dangerousCapabilitiesOf(containerView({ securityContext: 'privileged' }), defaultDetectionContext)).toEqual([]);
    });

    it('when the list is overridden, then the override decides', () => {
      const context = createDetectionContext({ ...defaultDetectionLists, dangerousCapabilities: ['NET_RAW'] });
      const view = containerView({ securityContext: { capabilities: { add: ['SYS_ADMIN', 'NET_RAW'] } } });
      expect(dangerousCapabilitiesOf(view, context)).toEqual(['NET_RAW']);
    });
  });

  describe('mountedVolumeNames', () => {
    it('when a container mounts volumes, then their names come back in order', () => {
      const view = containerView({ volumeMounts: [{ name: 'host', mountPath: '/host' }, { name: 'tmp', mountPath: '/tmp' }] });
      expect(mountedVolumeNames(view)).toEqual(['host', 'tmp']);
    });

    it('when volumeMounts is missing or malformed, then the unusable entries are skipped', () => {
      expect(mountedVolumeNames(containerView({}))).toEqual([]);
      expect(mountedVolumeNames(containerView({ volumeMounts: 'host' }))).toEqual([]);
      expect(mountedVolumeNames(containerView({ volumeMounts: [null, { mountPath: '/x' }, { name: 7 }, { name: 'ok' }] }))).toEqual(['ok']);
    });
  });
});
