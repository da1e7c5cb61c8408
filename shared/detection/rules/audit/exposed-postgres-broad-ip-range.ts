import { serviceEvent, type ServiceExample, servicePatchEvent } from '../../exampleEvents';
import { isBroadlyReachable, loadBalancerExposure, matchApp, POSTGRES_APP } from '../../predicates/services';
import { defineRule, Intent, Severity } from '../../rule';

/** A PostgreSQL chart's Service as a LoadBalancer, with the spec fields an example adds. */
const ordersDb = (extra: Record<string, unknown> = {}): ServiceExample => ({
  name: 'orders-db',
  namespace: 'data',
  spec: {
    type: 'LoadBalancer',
    selector: { 'app.kubernetes.io/name': 'postgresql' },
    ports: [{ name: 'tcp-postgresql', port: 5432, targetPort: 'tcp-postgresql' }],
    ...extra,
  },
});

export const exposedPostgresBroadIpRange = defineRule({
  id: 'exposed-postgres-broad-ip-range',
  alertType: 'K8S_ExposedPostgresBroadIPRange',
  displayName: 'Exposed Postgres service with a broad source IP range detected',
  description:
    'A LoadBalancer Service now exposes PostgreSQL (recognized by its labels, selector or port 5432) to a wide range of ' +
    'addresses: no `loadBalancerSourceRanges` at all, `0.0.0.0/0`, or a range broader than an IPv4 /8 (IPv6 /16). ' +
    'Internet-wide scanners find such databases quickly and try default and leaked credentials against them.',
  severity: Severity.Medium,
  intent: Intent.InitialAccess,
  techniques: ['T1133', 'T1190'],
  remediation: [
    'Change the Service to ClusterIP or mark the load balancer internal if only the cluster or the network needs the database.',
    'Otherwise set `loadBalancerSourceRanges` to the addresses of the clients that need it.',
    'Check `pg_hba.conf` requires password (scram-sha-256) authentication and TLS, and review connection logs.',
  ],
  falsePositives: ['Databases deliberately public and protected by strong authentication (rare; a private endpoint is preferable).'],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://kubernetes.io/docs/tasks/access-application-cluster/configure-cloud-provider-firewall/',
    'https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer',
  ],
  equivalents: { defender: ['K8S_ExposedPostgresBroadIPRange'], falco: [], guardDuty: [], elastic: [] },
  resources: ['services'],
  ...loadBalancerExposure((service) => {
    const match = matchApp(service, POSTGRES_APP);
    return match !== undefined && isBroadlyReachable(service) ? { application: match.app, recognizedBy: match.matchedBy } : undefined;
  }),
  examples: [
    {
      name: 'a PostgreSQL LoadBalancer without source ranges',
      expect: 'alert',
      event: serviceEvent(ordersDb()),
    },
    {
      name: 'a PostgreSQL LoadBalancer open to 0.0.0.0/0',
      expect: 'alert',
      event: serviceEvent(ordersDb({ loadBalancerSourceRanges: ['203.0.113.0/24', '0.0.0.0/0'] })),
    },
    {
      name: 'a JSON patch widens the source ranges of a database on port 5432',
      expect: 'alert',
      event: servicePatchEvent(
        {
          name: 'orders-db',
          namespace: 'data',
          spec: { type: 'LoadBalancer', selector: { tier: 'db' }, ports: [{ port: 5432 }], loadBalancerSourceRanges: ['0.0.0.0/1', '128.0.0.0/1'] },
        },
        [{ op: 'replace', path: '/spec/loadBalancerSourceRanges', value: ['0.0.0.0/1', '128.0.0.0/1'] }],
      ),
    },
    {
      name: 'a PostgreSQL LoadBalancer limited to an office range',
      expect: 'none',
      event: serviceEvent(ordersDb({ loadBalancerSourceRanges: ['203.0.113.0/24'] })),
    },
    {
      name: 'PostgreSQL behind an internal Azure load balancer',
      expect: 'none',
      event: serviceEvent({ ...ordersDb(), annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }),
    },
    {
      name: 'a web front-end LoadBalancer without source ranges',
      expect: 'none',
      event: serviceEvent({ name: 'web', namespace: 'shop', spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 443 }] } }),
    },
    {
      name: 'a system identity writes a PostgreSQL LoadBalancer',
      expect: 'none',
      event: serviceEvent(ordersDb(), { verb: 'update', user: 'system:serviceaccount:kube-system:addon-manager' }),
    },
  ],
});
