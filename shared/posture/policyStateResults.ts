import { AssessmentStatusCode } from './assessment';
import { workloadControls } from './checks/workload';
import { type WorkloadControlResult } from './evaluateWorkloadControls';
import { type WorkloadControl } from './workloadControl';
import { type WorkloadObject } from './workloadObject';

/**
 * The Azure Policy add-on's component policy states mapped to Argus's workload controls, and the comparison with what
 * Argus concludes from the audit stream. Pure: records in (wire names, as `componentPolicyStates` answers them), values
 * out; nothing is dropped silently (unknown definitions and other compliance states are counted and listed).
 *
 * A definition shared by several controls: the built-in Kubernetes definitions are parameterised, and the parameters
 * (not the definition, nor the initiative: the "restricted" initiative assigns the capabilities definition with the
 * baseline list by default) decide how strict it is. So a record is attributed to every control whose
 * `equivalents.azurePolicy` names its definition, each result naming the others in `sharedWith`, and the comparison
 * judges such a group as one: Azure Policy's NonCompliant agrees with the audit stream when any control of the group
 * fails there, its Compliant when any control of the group passes there.
 */

/** Which view said so. */
export const ControlSource = { auditStream: 'auditStream', azurePolicy: 'azurePolicy' } as const;
export type ControlSource = (typeof ControlSource)[keyof typeof ControlSource];

/** A Kubernetes object as both sources name it. `namespace` is `''` for cluster-scoped objects. */
export interface WorkloadComponent {
  namespace: string;
  /** Kubernetes casing (`Pod`, `Service`, `Ingress`, `Deployment`); Azure Policy's `pod` becomes `Pod`. */
  kind: string;
  name: string;
}

/** What one source says about one control on one object of one cluster. */
export interface SourcedControlResult {
  /** The cluster's resource id as the source gave it (compare case-insensitively). */
  clusterResourceId: string;
  controlName: string;
  component: WorkloadComponent;
  compliant: boolean;
  source: ControlSource;
}

export interface PolicyControlResult extends SourcedControlResult {
  source: typeof ControlSource.azurePolicy;
  /** The built-in definition's full id (`/providers/Microsoft.Authorization/policyDefinitions/<guid>`). */
  policyDefinitionId: string;
  /** The other controls the same definition maps to (see the module comment); absent when it maps to this one only. */
  sharedWith?: readonly string[];
  policyAssignmentId?: string;
  policySetDefinitionId?: string;
  /** When Azure Policy evaluated the object (RFC 3339, as given). */
  timestamp?: string;
}

export interface AuditControlResult extends SourcedControlResult {
  source: typeof ControlSource.auditStream;
}

/** A definition no workload control names: counted and listed, never dropped silently. */
export interface UnmappedPolicyDefinition {
  policyDefinitionId: string;
  /** `policyDefinitionName` as the records gave it (a GUID for built-ins). */
  policyDefinitionName?: string;
  records: number;
}

export interface PolicyStateMapping {
  results: PolicyControlResult[];
  /** Records of definitions no control maps (custom definitions, built-ins Argus has no control for). */
  unmapped: { records: number; definitions: UnmappedPolicyDefinition[] };
  /** Records whose complianceState is neither Compliant nor NonCompliant (Exempt, Conflict, Error, Unknown), by state. */
  otherStates: Record<string, number>;
  /** Records without a component, a definition id or a compliance state. */
  malformed: number;
}

const BUILT_IN_DEFINITION = /^\/providers\/microsoft\.authorization\/policydefinitions\/([^/]+)$/i;

/** Azure Policy's `componentType` (lower case) to Kubernetes kinds. */
const kindOfComponentType: Readonly<Record<string, string>> = {
  pod: 'Pod',
  service: 'Service',
  ingress: 'Ingress',
  deployment: 'Deployment',
  daemonset: 'DaemonSet',
  statefulset: 'StatefulSet',
  replicaset: 'ReplicaSet',
  job: 'Job',
  cronjob: 'CronJob',
  replicationcontroller: 'ReplicationController',
  namespace: 'Namespace',
};

/** Maps component policy state records (any input; odd records are counted as malformed) to control results. */
export function policyStateResultsOf(records: readonly unknown[], controls: readonly WorkloadControl[] = workloadControls): PolicyStateMapping {
  const controlsOfDefinition = new Map<string, string[]>();
  for (const control of controls) {
    for (const definition of control.equivalents.azurePolicy) {
      const key = definition.id.toLowerCase();
      const names = controlsOfDefinition.get(key) ?? [];
      if (!names.includes(control.name)) names.push(control.name);
      controlsOfDefinition.set(key, names);
    }
  }
  const mapping: PolicyStateMapping = { results: [], unmapped: { records: 0, definitions: [] }, otherStates: {}, malformed: 0 };
  const unmapped = new Map<string, UnmappedPolicyDefinition>();
  for (const value of records) {
    const record = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    const clusterResourceId = stringOf(record?.['resourceId']);
    const component = record === undefined ? undefined : componentOf(record);
    const policyDefinitionId = stringOf(record?.['policyDefinitionId']);
    const state = stringOf(record?.['complianceState']);
    if (record === undefined || clusterResourceId === undefined || component === undefined || policyDefinitionId === undefined || state === undefined) {
      mapping.malformed += 1;
      continue;
    }
    const guid = BUILT_IN_DEFINITION.exec(policyDefinitionId)?.[1]?.toLowerCase();
    const controlNames = guid === undefined ? undefined : controlsOfDefinition.get(guid);
    if (controlNames === undefined) {
      const key = policyDefinitionId.toLowerCase();
      const entry = unmapped.get(key) ?? { policyDefinitionId, ...optional('policyDefinitionName', stringOf(record['policyDefinitionName'])), records: 0 };
      entry.records += 1;
      unmapped.set(key, entry);
      mapping.unmapped.records += 1;
      continue;
    }
    const compliant = state.toLowerCase() === 'compliant' ? true : state.toLowerCase() === 'noncompliant' ? false : undefined;
    if (compliant === undefined) {
      mapping.otherStates[state] = (mapping.otherStates[state] ?? 0) + 1;
      continue;
    }
    for (const controlName of controlNames) {
      const sharedWith = controlNames.filter((name) => name !== controlName);
      mapping.results.push({
        clusterResourceId,
        controlName,
        component,
        compliant,
        source: ControlSource.azurePolicy,
        policyDefinitionId,
        ...(sharedWith.length === 0 ? {} : { sharedWith }),
        ...optional('policyAssignmentId', stringOf(record['policyAssignmentId'])),
        ...optional('policySetDefinitionId', stringOf(record['policySetDefinitionId'])),
        ...optional('timestamp', stringOf(record['timestamp'])),
      });
    }
  }
  mapping.unmapped.definitions = [...unmapped.values()].sort((a, b) => b.records - a.records || a.policyDefinitionId.localeCompare(b.policyDefinitionId));
  return mapping;
}

/** The audit stream's view of one object as sourced results: Healthy and Unhealthy only (NotApplicable says nothing). */
export function auditControlResultsOf(clusterResourceId: string, object: WorkloadObject, results: readonly WorkloadControlResult[]): AuditControlResult[] {
  const component: WorkloadComponent = { namespace: object.namespace, kind: object.kind, name: object.name };
  return results.flatMap((result): AuditControlResult[] =>
    result.code === AssessmentStatusCode.Healthy || result.code === AssessmentStatusCode.Unhealthy
      ? [{ clusterResourceId, controlName: result.controlName, component, compliant: result.code === AssessmentStatusCode.Healthy, source: ControlSource.auditStream }]
      : [],
  );
}

/** Where the two views differ on one object and one Azure Policy definition (its controls judged as a group). */
export interface PolicySourceDisagreement {
  clusterResourceId: string;
  /** The object as the audit stream knows it (a Deployment for the pods Azure Policy names). */
  component: WorkloadComponent;
  policyDefinitionId: string;
  /** The controls the definition maps to. */
  controlNames: readonly string[];
  /** Azure Policy's verdict over every record of the definition for the object (NonCompliant when any record is). */
  azurePolicy: { compliant: boolean; components: readonly WorkloadComponent[] };
  /** What the audit stream says for each of those controls. */
  auditStream: readonly { controlName: string; compliant: boolean }[];
}

export interface PolicySourceComparison {
  /** Object-and-definition groups on which both views agree. */
  agreed: number;
  disagreements: PolicySourceDisagreement[];
  /** Azure Policy results for objects (or controls) the audit stream has no verdict on: not seen, partial, excluded. */
  onlyAzurePolicy: PolicyControlResult[];
  /**
   * Audit stream results of controls Azure Policy has a definition for, on clusters Azure Policy reported on, that no
   * Azure Policy record covers (the definition is not assigned, or the object is in a namespace the assignment excludes).
   */
  onlyAuditStream: AuditControlResult[];
}

/**
 * Compares the audit stream's results with Azure Policy's, per object and control. Clusters are matched
 * case-insensitively; Azure Policy's pods are matched to the audit stream's object of the same kind and name, else to
 * the controller that owns them by the names Kubernetes generates (Deployment `<name>-<hash>-<5>`, DaemonSet, ReplicaSet
 * and Job `<name>-<5>`, StatefulSet `<name>-<ordinal>`, CronJob `<name>-<minutes>-<5>`), as the inventory folds them.
 */
export function comparePolicySources(auditResults: readonly AuditControlResult[], policyResults: readonly PolicyControlResult[]): PolicySourceComparison {
  const auditByObject = new Map<string, { component: WorkloadComponent; clusterResourceId: string; results: Map<string, boolean> }>();
  const objectsByNamespace = new Map<string, WorkloadComponent[]>();
  for (const result of auditResults) {
    const key = objectKey(result.clusterResourceId, result.component);
    let entry = auditByObject.get(key);
    if (entry === undefined) {
      entry = { component: result.component, clusterResourceId: result.clusterResourceId, results: new Map() };
      auditByObject.set(key, entry);
      const namespaceKey = `${result.clusterResourceId.toLowerCase()}|${result.component.namespace}`;
      objectsByNamespace.set(namespaceKey, [...(objectsByNamespace.get(namespaceKey) ?? []), result.component]);
    }
    // The same control twice for one object: it fails when either says so.
    entry.results.set(result.controlName, (entry.results.get(result.controlName) ?? true) && result.compliant);
  }

  interface Group {
    clusterResourceId: string;
    auditKey: string | undefined;
    component: WorkloadComponent;
    policyDefinitionId: string;
    controlNames: Set<string>;
    compliant: boolean;
    components: Map<string, WorkloadComponent>;
    results: PolicyControlResult[];
  }
  const groups = new Map<string, Group>();
  for (const result of policyResults) {
    const owner = auditObjectOf(result, auditByObject, objectsByNamespace);
    const auditKey = owner === undefined ? undefined : objectKey(result.clusterResourceId, owner);
    const key = `${auditKey ?? objectKey(result.clusterResourceId, result.component)}|${result.policyDefinitionId.toLowerCase()}`;
    let group = groups.get(key);
    if (group === undefined) {
      group = {
        clusterResourceId: result.clusterResourceId,
        auditKey,
        component: owner ?? result.component,
        policyDefinitionId: result.policyDefinitionId,
        controlNames: new Set(),
        compliant: true,
        components: new Map(),
        results: [],
      };
      groups.set(key, group);
    }
    group.controlNames.add(result.controlName);
    for (const name of result.sharedWith ?? []) group.controlNames.add(name);
    group.compliant = group.compliant && result.compliant;
    group.components.set(objectKey(result.clusterResourceId, result.component), result.component);
    group.results.push(result);
  }

  const comparison: PolicySourceComparison = { agreed: 0, disagreements: [], onlyAzurePolicy: [], onlyAuditStream: [] };
  const covered = new Set<string>();
  for (const group of groups.values()) {
    const audited = group.auditKey === undefined ? undefined : auditByObject.get(group.auditKey);
    const auditStream = [...group.controlNames].flatMap((controlName) => {
      const compliant = audited?.results.get(controlName);
      return compliant === undefined ? [] : [{ controlName, compliant }];
    });
    if (auditStream.length === 0) {
      comparison.onlyAzurePolicy.push(...group.results);
      continue;
    }
    for (const { controlName } of auditStream) covered.add(`${group.auditKey ?? ''}|${controlName}`);
    if (auditStream.some((result) => result.compliant === group.compliant)) {
      comparison.agreed += 1;
      continue;
    }
    comparison.disagreements.push({
      clusterResourceId: group.clusterResourceId,
      component: group.component,
      policyDefinitionId: group.policyDefinitionId,
      controlNames: [...group.controlNames].sort(),
      azurePolicy: { compliant: group.compliant, components: [...group.components.values()] },
      auditStream,
    });
  }

  const reportedClusters = new Set(policyResults.map((result) => result.clusterResourceId.toLowerCase()));
  const comparableControls = new Set(policyComparableControls());
  for (const result of auditResults) {
    if (!reportedClusters.has(result.clusterResourceId.toLowerCase()) || !comparableControls.has(result.controlName)) continue;
    if (!covered.has(`${objectKey(result.clusterResourceId, result.component)}|${result.controlName}`)) comparison.onlyAuditStream.push(result);
  }
  return comparison;
}

/** The controls that name an Azure Policy definition: the only ones the two views can disagree on. */
export function policyComparableControls(controls: readonly WorkloadControl[] = workloadControls): string[] {
  return controls.filter((control) => control.equivalents.azurePolicy.length > 0).map((control) => control.name);
}

/**
 * The object among `components` (of one cluster) that Azure Policy's component is, or that owns it (a pod named after
 * its controller), as `comparePolicySources` matches them; undefined when none is.
 */
export function matchingComponent(component: WorkloadComponent, components: readonly WorkloadComponent[]): WorkloadComponent | undefined {
  const exact = components.find((candidate) => candidate.namespace === component.namespace && candidate.name === component.name && candidate.kind === component.kind);
  if (exact !== undefined || component.kind !== 'Pod') return exact;
  const owners = components.filter((candidate) => {
    const pattern = podNameOfOwner[candidate.kind];
    return candidate.namespace === component.namespace && pattern !== undefined && component.name.startsWith(candidate.name) && pattern.test(component.name.slice(candidate.name.length));
  });
  // `web` and `web-api` can both prefix a pod name: the longest owner name is the one that made it.
  return owners.sort((a, b) => b.name.length - a.name.length)[0];
}

/** The pod's owner by the names Kubernetes generates for the pods of each controller (the owner's name is a prefix). */
const podNameOfOwner: Readonly<Record<string, RegExp>> = {
  Deployment: /^-[a-z0-9]{6,10}-[a-z0-9]{5}$/,
  DaemonSet: /^-[a-z0-9]{5}$/,
  ReplicaSet: /^-[a-z0-9]{5}$/,
  Job: /^-[a-z0-9]{5}$/,
  StatefulSet: /^-\d+$/,
  CronJob: /^-\d{8,10}-[a-z0-9]{5}$/,
  ReplicationController: /^-[a-z0-9]{5}$/,
};

function auditObjectOf(
  result: PolicyControlResult,
  auditByObject: ReadonlyMap<string, { component: WorkloadComponent }>,
  objectsByNamespace: ReadonlyMap<string, readonly WorkloadComponent[]>,
): WorkloadComponent | undefined {
  const exact = auditByObject.get(objectKey(result.clusterResourceId, result.component));
  if (exact !== undefined) return exact.component;
  return matchingComponent(result.component, objectsByNamespace.get(`${result.clusterResourceId.toLowerCase()}|${result.component.namespace}`) ?? []);
}

function objectKey(clusterResourceId: string, component: WorkloadComponent): string {
  return `${clusterResourceId.toLowerCase()}|${component.kind}|${component.namespace}|${component.name}`;
}

function componentOf(record: Record<string, unknown>): WorkloadComponent | undefined {
  const type = stringOf(record['componentType']);
  const id = stringOf(record['componentId']);
  if (type === undefined || id === undefined) return undefined;
  const slash = id.indexOf('/');
  const namespace = slash < 0 ? '' : id.slice(0, slash);
  const name = stringOf(record['componentName']) ?? (slash < 0 ? id : id.slice(slash + 1));
  return { namespace, kind: kindOfComponentType[type.toLowerCase()] ?? type, name };
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}
