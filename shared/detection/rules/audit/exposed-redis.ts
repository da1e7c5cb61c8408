import { serviceEvent, type ServiceExample } from '../../exampleEvents';
import { loadBalancerExposure, matchApp, REDIS_APP } from '../../predicates/services';
import { defineRule, Intent, Severity } from '../../rule';

const redisLabels = { 'app.kubernetes.io/name': 'redis', 'app.kubernetes.io/component': 'master' };
const redisMaster: ServiceExample = {
  name: 'cache-redis-master',
  namespace: 'cache',
  spec: { type: 'LoadBalancer', selector: redisLabels, ports: [{ port: 6379 }] },
};

export const exposedRedis = defineRule({
  id: 'exposed-redis',
  alertType: 'K8S_ExposedRedis',
  displayName: 'Exposed Redis service detected',
  description:
    'A LoadBalancer Service now exposes Redis (recognized by its labels, selector or port 6379/26379). Redis often runs ' +
    'without a password; an exposed instance is scanned for within hours and abused to read or wipe data, or to write ' +
    'files and load modules that run code (cryptominer campaigns).',
  severity: Severity.Low,
  intent: Intent.InitialAccess,
  techniques: ['T1133', 'T1190'],
  remediation: [
    'Change the Service to ClusterIP (or mark the load balancer internal); clients in the cluster do not need a load balancer.',
    'Require authentication (`requirepass` or ACLs) and TLS, and restrict `loadBalancerSourceRanges` if it must stay reachable.',
    'Look for unknown keys, `CONFIG SET dir` or `MODULE LOAD` in the Redis logs while it was exposed.',
  ],
  falsePositives: ['Redis published on purpose with authentication and source ranges (cross-network caches).'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://redis.io/docs/latest/operate/oss_and_stack/management/security/',
    'https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer',
  ],
  equivalents: { defender: ['K8S_ExposedRedis'], falco: [], guardDuty: [], elastic: [] },
  resources: ['services'],
  ...loadBalancerExposure((service) => {
    const match = matchApp(service, REDIS_APP);
    return match === undefined ? undefined : { application: match.app, recognizedBy: match.matchedBy };
  }),
  examples: [
    {
      name: 'the Redis master of a Helm release exposed by a LoadBalancer',
      expect: 'alert',
      event: serviceEvent({
        ...redisMaster,
        spec: { type: 'LoadBalancer', selector: redisLabels, ports: [{ name: 'tcp-redis', port: 6379, targetPort: 'redis' }] },
        labels: redisLabels,
      }),
    },
    {
      name: 'a LoadBalancer in front of port 6379, recognized by port',
      expect: 'alert',
      event: serviceEvent({ name: 'sessions', namespace: 'shop', spec: { type: 'LoadBalancer', selector: { tier: 'sessions' }, ports: [{ port: 6379 }] } }),
    },
    {
      name: 'Redis as ClusterIP',
      expect: 'none',
      event: serviceEvent({ ...redisMaster, spec: { ...redisMaster.spec, type: 'ClusterIP' } }),
    },
    {
      name: 'Redis behind an internal Azure load balancer',
      expect: 'none',
      event: serviceEvent({ ...redisMaster, annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }),
    },
    {
      name: 'a system identity writes a Redis LoadBalancer',
      expect: 'none',
      event: serviceEvent(redisMaster, { verb: 'update', user: 'system:serviceaccount:kube-system:addon-manager' }),
    },
  ],
});
