import { allowedImages, isAllowedImage } from '../../../../shared/posture/checks/workload/allowed-images';
import { allowedServicePorts } from '../../../../shared/posture/checks/workload/allowed-service-ports';
import { automountServiceAccountToken } from '../../../../shared/posture/checks/workload/automount-service-account-token';
import { defaultNamespace } from '../../../../shared/posture/checks/workload/default-namespace';
import { httpsOnlyIngress } from '../../../../shared/posture/checks/workload/https-only-ingress';
import { internalLoadBalancer } from '../../../../shared/posture/checks/workload/internal-load-balancer';
import { readOnlyRootFilesystem } from '../../../../shared/posture/checks/workload/read-only-root-filesystem';
import { resourceLimits } from '../../../../shared/posture/checks/workload/resource-limits';
import { type ControlOutcome, type WorkloadControl } from '../../../../shared/posture/workloadControl';
import { workloadObjectOf } from '../../../../shared/posture/workloadObject';
import { DEFAULT_WORKLOAD_SETTINGS, type WorkloadSettings } from '../../../../shared/posture/workloadSettings';

function evaluate(control: WorkloadControl, manifest: unknown, settings: Partial<WorkloadSettings> = {}): ControlOutcome {
  const object = workloadObjectOf(manifest);
  if (object === undefined) throw new Error('not a workload object');
  return control.evaluate(object, { ...DEFAULT_WORKLOAD_SETTINGS, ...settings });
}

/** A pod in `namespace`; null for a manifest that names none. */
function pod(spec: Record<string, unknown>, namespace: string | null = 'shop'): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(namespace === null ? {} : { namespace }) }, spec };
}

function service(spec: Record<string, unknown>, annotations: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'shop', annotations }, spec };
}

describe('isAllowedImage', () => {
  it.each([
    ['contoso.azurecr.io/shop/web:1', ['contoso.azurecr.io/'], true],
    ['contoso.azurecr.io/shop/web:1', ['contoso.azurecr.io'], true],
    ['contoso.azurecr.io.evil.example/web:1', ['contoso.azurecr.io'], false],
    ['docker.io/library/nginx@sha256:abc', ['docker.io/library/nginx'], true],
    ['docker.io/library/nginx-evil:1', ['docker.io/library/nginx'], false],
    ['redis:7.2', ['contoso.azurecr.io/'], false],
    ['redis:7.2', [''], false],
  ])('when %s is matched against %j, then it is allowed: %s', (image, prefixes, allowed) => {
    expect(isAllowedImage(image, prefixes)).toBe(allowed);
  });
});

describe('allowed-images', () => {
  it('when a container and an ephemeral container use other registries, then each is a finding with its list index and image', () => {
    const outcome = evaluate(
      allowedImages,
      pod({
        containers: [{ name: 'api', image: 'contoso.azurecr.io/api:1' }, { name: 'cache', image: 'redis:7.2' }],
        ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      }),
      { allowedImagePrefixes: ['contoso.azurecr.io/'] },
    );
    expect(outcome).toEqual({
      code: 'Unhealthy',
      findings: [
        { container: 'cache', containerKind: 'container', field: 'containers[1].image', value: 'redis:7.2' },
        { container: 'debug', containerKind: 'ephemeralContainer', field: 'ephemeralContainers[0].image', value: 'busybox' },
      ],
    });
  });

  it('when no registries are configured, then it is NotApplicable with cause noAllowedImagesConfigured', () => {
    expect(evaluate(allowedImages, pod({ containers: [{ name: 'c', image: 'redis' }] }))).toMatchObject({ code: 'NotApplicable', cause: 'noAllowedImagesConfigured' });
  });
});

describe('resource-limits', () => {
  it('when limits are missing, empty or not a quantity, then each missing limit is a finding and ephemeral containers are skipped', () => {
    const outcome = evaluate(
      resourceLimits,
      pod({
        initContainers: [{ name: 'init', resources: { limits: { cpu: '', memory: 'lots' } } }],
        containers: [{ name: 'app', resources: { limits: { cpu: 2, memory: '1Gi' } } }, { name: 'side' }],
        ephemeralContainers: [{ name: 'debug' }],
      }),
    );
    expect(outcome.code === 'Unhealthy' ? outcome.findings.map((f) => [f.field, f.value]) : outcome).toEqual([
      ['containers[1].resources.limits.cpu', '(absent)'],
      ['containers[1].resources.limits.memory', '(absent)'],
      ['initContainers[0].resources.limits.cpu', ''],
      ['initContainers[0].resources.limits.memory', 'lots'],
    ]);
  });
});

describe('automount-service-account-token', () => {
  it.each([
    [false, 'Healthy', undefined],
    [true, 'Unhealthy', 'true'],
    [undefined, 'Unhealthy', '(absent)'],
    ['false', 'Unhealthy', 'false'],
  ])('when the pod spec sets %j, then it is %s', (automount, code, value) => {
    const outcome = evaluate(automountServiceAccountToken, pod({ containers: [{ name: 'c' }], ...(automount === undefined ? {} : { automountServiceAccountToken: automount }) }));
    expect(outcome.code).toBe(code);
    if (outcome.code === 'Unhealthy') expect(outcome.findings).toEqual([{ field: 'automountServiceAccountToken', value }]);
  });
});

describe('default-namespace', () => {
  it('when a pod names the default namespace, then metadata.namespace is the finding', () => {
    expect(evaluate(defaultNamespace, pod({ containers: [] }, 'default'))).toEqual({ code: 'Unhealthy', findings: [{ field: 'metadata.namespace', value: 'default' }] });
  });

  it('when a manifest names no namespace, then it is NotApplicable with cause namespaceNotSet', () => {
    expect(evaluate(defaultNamespace, pod({ containers: [] }, null))).toMatchObject({ code: 'NotApplicable', cause: 'namespaceNotSet' });
  });
});

describe('read-only-root-filesystem', () => {
  it('when containers leave the field unset or false, then each is a finding with the value found', () => {
    const outcome = evaluate(
      readOnlyRootFilesystem,
      pod({ containers: [{ name: 'a', securityContext: { readOnlyRootFilesystem: true } }, { name: 'b' }], initContainers: [{ name: 'i', securityContext: { readOnlyRootFilesystem: false } }] }),
    );
    expect(outcome.code === 'Unhealthy' ? outcome.findings.map((f) => [f.container, f.field, f.value]) : outcome).toEqual([
      ['b', 'containers[1].securityContext.readOnlyRootFilesystem', '(absent)'],
      ['i', 'initContainers[0].securityContext.readOnlyRootFilesystem', 'false'],
    ]);
  });
});

describe('https-only-ingress', () => {
  const ingress = (annotations: Record<string, unknown>, spec: Record<string, unknown>) => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'i', namespace: 'shop', annotations },
    spec,
  });

  it('when neither TLS nor allow-http "false" is set, then both are findings', () => {
    expect(evaluate(httpsOnlyIngress, ingress({}, { rules: [] }))).toEqual({
      code: 'Unhealthy',
      findings: [
        { field: 'spec.tls', value: '(absent)' },
        { field: 'metadata.annotations["kubernetes.io/ingress.allow-http"]', value: '(absent)' },
      ],
    });
  });

  it('when allow-http is the boolean false rather than the string, then the annotation is still a finding', () => {
    const outcome = evaluate(httpsOnlyIngress, ingress({ 'kubernetes.io/ingress.allow-http': false }, { tls: [{ hosts: ['a'] }] }));
    expect(outcome).toEqual({ code: 'Unhealthy', findings: [{ field: 'metadata.annotations["kubernetes.io/ingress.allow-http"]', value: 'false' }] });
  });
});

describe('internal-load-balancer', () => {
  it.each([
    [{ type: 'LoadBalancer' }, {}, 'Unhealthy'],
    [{ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }, 'Healthy'],
    [{ type: 'LoadBalancer' }, { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'True' }, 'Unhealthy'],
    [{ type: 'NodePort' }, {}, 'Healthy'],
    [{}, {}, 'Healthy'],
  ])('when the Service has spec %j and annotations %j, then it is %s', (spec, annotations, code) => {
    expect(evaluate(internalLoadBalancer, service(spec, annotations)).code).toBe(code);
  });
});

describe('allowed-service-ports', () => {
  it('when a port is not allowed, then the finding names its index and number', () => {
    const outcome = evaluate(allowedServicePorts, service({ ports: [{ port: 443 }, { port: 8080 }, { port: 'x' }] }), { allowedServicePorts: [443] });
    expect(outcome).toEqual({ code: 'Unhealthy', findings: [{ field: 'spec.ports[1].port', value: '8080' }] });
  });

  it('when no ports are configured, then it is NotApplicable with cause noAllowedPortsConfigured', () => {
    expect(evaluate(allowedServicePorts, service({ ports: [{ port: 22 }] }))).toMatchObject({ code: 'NotApplicable', cause: 'noAllowedPortsConfigured' });
  });
});
