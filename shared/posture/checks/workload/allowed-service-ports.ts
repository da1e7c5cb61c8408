import { AssessmentCategory, AssessmentSeverity, AssessmentStatusCode, AssessmentThreat, ImpactLevel } from '../../assessment';
import { defineWorkloadControl, outcomeOf, type WorkloadFinding } from '../../workloadControl';
import { WorkloadTarget } from '../../workloadObject';
import { asArray, asObject, getPath } from '../../../kubernetes/jsonValues';

/** Why the control cannot judge: nobody said which ports Services may expose. */
export const NO_ALLOWED_PORTS_CONFIGURED = 'noAllowedPortsConfigured';

export const allowedServicePorts = defineWorkloadControl({
  name: 'allowed-service-ports',
  displayName: 'Services should listen on allowed ports only',
  description:
    'Every port a Service exposes is a way in; ports nobody planned for (a debug endpoint, a database port, an admin ' +
    'console) widen the attack surface of the cluster. Azure Policy\'s built-in definition (template ' +
    '`k8sazureserviceallowedports`) fails a Service when any `spec.ports[].port` is not in the allowed list. Argus reads the ' +
    'list from `allowedServicePorts`, which is empty by default: until it is set, this control says NotApplicable.',
  remediationDescription:
    'Remove the ports the Service does not need, or move them to their own internal Service, and list the ports you do ' +
    'allow in `allowedServicePorts` (e.g. 80 and 443); enforce it at admission with the Azure Policy definition ' +
    '"Kubernetes cluster services should listen only on allowed ports".',
  severity: AssessmentSeverity.Medium,
  categories: [AssessmentCategory.Networking],
  threats: [AssessmentThreat.DataExfiltration, AssessmentThreat.ThreatResistance],
  userImpact: ImpactLevel.High,
  implementationEffort: ImpactLevel.Moderate,
  target: WorkloadTarget.service,
  equivalents: {
    defender: ['Services should listen on allowed ports only'],
    azurePolicy: [{ id: '233a2a17-77ca-4fb1-9b6b-69223d272a44', displayName: 'Kubernetes cluster services should listen only on allowed ports' }],
    kubescape: [],
    polaris: [],
    kubeScore: [],
  },
  references: [
    'https://github.com/Azure/azure-policy/blob/master/built-in-policies/policyDefinitions/Kubernetes/ServiceAllowedPorts.json',
    'https://github.com/Azure/azure-policy/blob/master/built-in-references/Kubernetes/service-allowed-ports/template.yaml',
    'https://learn.microsoft.com/azure/defender-for-cloud/recommendations-reference-container',
  ],
  evaluate: (object, settings) => {
    if (settings.allowedServicePorts.length === 0) {
      return {
        code: AssessmentStatusCode.NotApplicable,
        cause: NO_ALLOWED_PORTS_CONFIGURED,
        description: 'No allowed service ports are configured (allowedServicePorts is empty): there is nothing to enforce.',
      };
    }
    const findings: WorkloadFinding[] = [];
    asArray(getPath(object.object, 'spec', 'ports')).forEach((entry, index) => {
      const port = asObject(entry)?.['port'];
      // A port that is not a number is refused by the API server; Azure Policy's template skips it too.
      if (typeof port === 'number' && !settings.allowedServicePorts.includes(port)) findings.push({ field: `spec.ports[${index}].port`, value: String(port) });
    });
    return outcomeOf(findings);
  },
  examples: [
    {
      name: 'a Service on allowed ports only',
      expect: AssessmentStatusCode.Healthy,
      settings: { allowedServicePorts: [80, 443] },
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec:
  selector: { app: web }
  ports:
    - { name: http, port: 80, targetPort: 8080 }
    - { name: https, port: 443, targetPort: 8443 }
`,
    },
    {
      name: 'a Service that also exposes a debug port',
      expect: AssessmentStatusCode.Unhealthy,
      settings: { allowedServicePorts: [80, 443] },
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: api, namespace: shop }
spec:
  type: LoadBalancer
  selector: { app: api }
  ports:
    - { name: https, port: 443, targetPort: 8443 }
    - { name: debug, port: 5005, targetPort: 5005 }
`,
    },
    {
      name: 'a NodePort Service whose port is allowed (the node port is not judged)',
      expect: AssessmentStatusCode.Healthy,
      settings: { allowedServicePorts: [443] },
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: gateway, namespace: edge }
spec:
  type: NodePort
  selector: { app: gateway }
  ports:
    - { port: 443, targetPort: 8443, nodePort: 30443 }
`,
    },
    {
      name: 'no allowed ports are configured (the default)',
      expect: AssessmentStatusCode.NotApplicable,
      manifest: `
apiVersion: v1
kind: Service
metadata: { name: db, namespace: shop }
spec:
  selector: { app: db }
  ports: [{ port: 5432 }]
`,
    },
  ],
});
