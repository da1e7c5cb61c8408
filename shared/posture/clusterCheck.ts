import { type AssessmentMetadata, AssessmentStatusCode, type CheckEquivalents } from './assessment';
import { isManagedCluster, objectAt } from './managedClusterFields';

/**
 * A cluster configuration check: metadata, a pure function over the managed cluster's ARM JSON (wire names, as
 * `az aks show -o json` or an ARM GET returns it) plus the facts ARM gives beside it, and examples that must come out
 * Healthy, Unhealthy or NotApplicable. Checked by the catalogue tests, listed by the CLI, like detection rules.
 */

/** An ARM resource as JSON (wire names: `properties.apiServerAccessProfile.enablePrivateCluster`, ...). */
export type ArmJson = Record<string, unknown>;

/** What ARM says beside the cluster resource itself; each fact is absent when it could not be read. */
export interface ClusterFacts {
  /** When the evaluation runs (RFC 3339): the clock is passed in. */
  now: string;
  /** The cluster's diagnostic settings (`Microsoft.Insights/diagnosticSettings` list `value`), when readable. */
  diagnosticSettings?: readonly ArmJson[];
  /** The Event Hub Argus reads audit records from: its name, and its namespace's resource id when known. */
  argusAuditHub?: { eventHubName: string; namespaceResourceId?: string };
  /** When Argus last received an audit event of this cluster (RFC 3339), if ever. */
  lastAuditEventUtc?: string;
  /**
   * The Kubernetes versions the cluster's location supports (`managedClusters/kubernetesVersions` list `values`),
   * when readable; checks fall back to a dated built-in calendar otherwise.
   */
  kubernetesVersions?: readonly ArmJson[];
}

/** What a check decided, with the values that decided it. */
export interface CheckOutcome {
  code: AssessmentStatusCode;
  cause?: string;
  description?: string;
  /** The property paths and values that decided it (`properties.networkProfile.networkPolicy: none`). */
  additionalData?: Record<string, string>;
}

export interface ClusterCheckExample {
  name: string;
  expect: AssessmentStatusCode;
  /** A managed cluster's ARM JSON. */
  cluster: ArmJson;
  /** Facts beside the cluster; default: `now` only (nothing else readable). */
  facts?: Partial<ClusterFacts>;
}

export interface ClusterCheckDefinition extends AssessmentMetadata {
  /** Stable forever, never reused; also the file name under checks/cluster/. */
  name: string;
  equivalents: CheckEquivalents;
  references: readonly string[];
  /**
   * Pure and total: never throws on odd input; missing data is NotApplicable with a cause, not a guess. Called only for
   * an AKS managed cluster with `properties` (see {@link defineClusterCheck}).
   */
  evaluate: (cluster: ArmJson, facts: ClusterFacts) => CheckOutcome;
  /** The check judges the facts beside the cluster (diagnostic settings, events received), not its `properties`. */
  readsFactsOnly?: boolean;
  examples: readonly ClusterCheckExample[];
}

export type ClusterCheck = ClusterCheckDefinition;

/**
 * Declares a cluster check; the catalogue tests check the rest. What no check can judge is answered here, once: a
 * resource that is not an AKS managed cluster, and (unless the check reads only the facts) a cluster JSON without
 * `properties`.
 */
export function defineClusterCheck(definition: ClusterCheckDefinition): ClusterCheck {
  return {
    ...definition,
    evaluate: (cluster, facts) => {
      if (!isManagedCluster(cluster)) {
        return { code: AssessmentStatusCode.NotApplicable, cause: 'notAksCluster', description: 'The resource is not an AKS managed cluster.' };
      }
      if (definition.readsFactsOnly !== true && objectAt(cluster, 'properties') === undefined) {
        return { code: AssessmentStatusCode.NotApplicable, cause: 'noClusterProperties', description: 'The cluster JSON has no properties to judge.' };
      }
      return definition.evaluate(cluster, facts);
    },
  };
}
