import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { mergeDetectionLists } from '../../../shared/detection/allowLists';
import { createDetectionContext, defaultDetectionContext } from '../../../shared/detection/detectionContext';
import { evidenceIdOf } from '../../../shared/detection/detectionRecord';
import { evaluateRules, type EvaluationResult } from '../../../shared/detection/evaluateRules';
import { type Finding } from '../../../shared/detection/finding';
import { isJudgedPodSpecWrite } from '../../../shared/detection/predicates/podSpecWrites';
import { addedCapabilities, hostPathVolumes, isInfrastructureWorkload, isPrivileged, sharedHostNamespaces } from '../../../shared/detection/predicates/podSecurity';
import { allRules } from '../../../shared/detection/rules/index';
import { type AuditRecord, type ClusterIdentity } from '../../../shared/kubernetes/auditEvent';
import { parseClusterResourceId } from '../../../shared/kubernetes/clusterIdentity';
import { decodeAuditInput, type DecodedAuditInput } from '../../../shared/kubernetes/decodeAuditInput';
import { SkipReason } from '../../../shared/kubernetes/skipReason';
import { podSpecOf, workloadContainers } from '../../../shared/kubernetes/workloads';

/**
 * The benign baseline (Sigma-style): every rule runs over recorded traffic of healthy clusters in every
 * input form, and any alert fails the test unless it is listed, with a reason, in knownFalsePositives.json.
 * The fixtures and how they were made are described in test/fixtures/benign/README.md.
 */

const fixturesDirectory = path.join(__dirname, '../../fixtures/benign');

/** Raw events (webhook, files) carry no cluster: the caller names it, as the ingestion endpoint and `argus scan` do. */
const KUBEADM_CLUSTER = parseClusterResourceId(
  '/subscriptions/9f3a2c71-4e5b-4d8a-b6c2-7e1f0a9d3b45/resourceGroups/rg-onprem-lab/providers/Microsoft.Kubernetes/connectedClusters/kubeadm-lab',
) as ClusterIdentity;

interface BenignFixture {
  file: string;
  form: string;
  /** Set for raw events; diagnostic records name their cluster in `resourceId`. */
  cluster?: ClusterIdentity;
  expectedClusterName: string;
  expectedRecords: number;
  /** Categories of the records skipped as other diagnostic categories (klog text), in order. */
  expectedSkippedCategories: readonly string[];
  /** Records left out by the engine because kube-audit and kube-audit-admin both carried them. */
  expectedDuplicates: number;
}

const fixtures: readonly BenignFixture[] = [
  {
    file: 'aks-eventhub-message.json',
    form: 'Event Hubs message from AKS diagnostic settings',
    expectedClusterName: 'aks-shop-prod',
    expectedRecords: 99,
    expectedSkippedCategories: ['kube-apiserver', 'kube-apiserver', 'kube-controller-manager'],
    expectedDuplicates: 15,
  },
  {
    file: 'storage-blob-PT1H.json',
    form: 'storage-account blob (NDJSON of diagnostic records, UTF-8 BOM)',
    expectedClusterName: 'aks-shop-prod',
    expectedRecords: 93,
    expectedSkippedCategories: [],
    expectedDuplicates: 0,
  },
  {
    file: 'webhook-eventlist.json',
    form: 'audit webhook EventList',
    cluster: KUBEADM_CLUSTER,
    expectedClusterName: 'kubeadm-lab',
    expectedRecords: 61,
    expectedSkippedCategories: [],
    expectedDuplicates: 0,
  },
  {
    file: 'audit-log.ndjson',
    form: 'audit log file (NDJSON of events, v1, v1beta1 and without apiVersion)',
    cluster: KUBEADM_CLUSTER,
    expectedClusterName: 'kubeadm-lab',
    expectedRecords: 33,
    expectedSkippedCategories: [],
    expectedDuplicates: 0,
  },
  {
    file: 'single-event.json',
    form: 'one raw audit Event',
    cluster: KUBEADM_CLUSTER,
    expectedClusterName: 'kubeadm-lab',
    expectedRecords: 1,
    expectedSkippedCategories: [],
    expectedDuplicates: 0,
  },
  {
    file: 'aks-addons-eventhub-message.json',
    form: 'Event Hubs message from AKS diagnostic settings, both audit categories (AKS add-ons and upgrade)',
    expectedClusterName: 'aks-shop-prod',
    expectedRecords: 342,
    expectedSkippedCategories: ['guard', 'cluster-autoscaler', 'cloud-controller-manager'],
    expectedDuplicates: 151,
  },
  {
    file: 'kubeadm-upgrade-eventlist.json',
    form: 'audit webhook EventList (kubeadm upgrade, Argo CD, cluster readers)',
    cluster: KUBEADM_CLUSTER,
    expectedClusterName: 'kubeadm-lab',
    expectedRecords: 116,
    expectedSkippedCategories: [],
    expectedDuplicates: 0,
  },
];

const knownFalsePositiveSchema = z.array(
  z.strictObject({
    ruleId: z.string().min(1),
    auditId: z.string().min(1),
    reason: z.string().trim().min(20, 'say why this benign event alerts and why that is accepted'),
  }),
);
type KnownFalsePositive = z.infer<typeof knownFalsePositiveSchema>[number];

interface BaselineRun {
  fixture: BenignFixture;
  decoded: DecodedAuditInput;
  evaluation: EvaluationResult;
}

function runBaseline(fixture: BenignFixture): BaselineRun {
  const bytes = readFileSync(path.join(fixturesDirectory, fixture.file));
  const decoded = decodeAuditInput(bytes, fixture.cluster === undefined ? {} : { cluster: fixture.cluster });
  return { fixture, decoded, evaluation: evaluateRules(decoded.records, { rules: allRules }) };
}

function readKnownFalsePositives(): unknown {
  return JSON.parse(readFileSync(path.join(fixturesDirectory, 'knownFalsePositives.json'), 'utf8')) as unknown;
}

const findingKey = (ruleId: string, auditId: string): string => `${ruleId}|${auditId}`;

/** One line an engineer can act on: which rule, which request, by whom, on what. */
function describeFinding(file: string, finding: Finding): string {
  const { event } = finding.record as AuditRecord;
  const ref = event.objectRef;
  const resource = ref?.resource === undefined ? event.requestURI : `${ref.apiGroup ? `${ref.apiGroup}/` : ''}${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}${ref.name ? ` ${ref.name}` : ''}`;
  return (
    `${finding.rule.id} (${finding.rule.alertType}) auditID=${event.auditID} user=${event.user.username} verb=${event.verb} ` +
    `resource=${resource} namespace=${ref?.namespace ?? '-'} [${file}]`
  );
}

describe('benign baseline', () => {
  let runs: BaselineRun[];

  beforeAll(() => {
    runs = fixtures.map(runBaseline);
  });

  it.each(fixtures.map((fixture) => [fixture.file, fixture] as const))(
    'when %s is decoded, then it yields the expected records of its cluster and skips only other log categories',
    (file) => {
      const run = runs.find((candidate) => candidate.fixture.file === file);
      if (run === undefined) throw new Error(`no run for ${file}`);
      const { fixture, decoded, evaluation } = run;
      expect(decoded.records).toHaveLength(fixture.expectedRecords);
      expect(decoded.skipped.map((skip) => skip.reason)).toEqual(fixture.expectedSkippedCategories.map(() => SkipReason.otherCategory));
      expect(decoded.skipped.map((skip) => skip.source.category)).toEqual(fixture.expectedSkippedCategories);
      expect(new Set(decoded.records.map((record) => record.cluster.clusterName))).toEqual(new Set([fixture.expectedClusterName]));
      expect(evaluation.stats.duplicateEvents).toBe(fixture.expectedDuplicates);
    },
  );

  it('when the fixtures are counted, then the baseline holds at least 700 audit records across every input form', () => {
    const total = runs.reduce((sum, run) => sum + run.decoded.records.length, 0);
    expect(total).toBeGreaterThanOrEqual(700);
    expect(runs.map((run) => run.fixture.file)).toEqual(fixtures.map((fixture) => fixture.file));
  });

  it('when every rule runs over the benign traffic, then no rule throws', () => {
    const failures = runs.flatMap((run) => run.evaluation.failures.map((failure) => `${failure.ruleId} auditID=${failure.auditId}: ${failure.message} [${run.fixture.file}]`));
    expect(failures).toEqual([]);
  });

  it('when every rule runs over the benign traffic, then every alert is a listed known false positive', () => {
    const known = new Set(knownFalsePositiveSchema.parse(readKnownFalsePositives()).map((entry) => findingKey(entry.ruleId, entry.auditId)));
    const unexpected = runs.flatMap((run) =>
      run.evaluation.findings
        .filter((finding) => !known.has(findingKey(finding.rule.id, evidenceIdOf(finding.record))))
        .map((finding) => describeFinding(run.fixture.file, finding)),
    );
    expect(unexpected).toEqual([]);
  });

  it('when the policy lists are set as these clusters would set them, then the policy rules add no alert either', () => {
    // The policy lists are empty by default, so their rules are silent until configured. Set them as the owners of these two
    // clusters would: the registries their workloads and add-ons come from, their node names, a namespace nobody deploys to.
    const context = createDetectionContext(
      mergeDetectionLists({
        trustedRegistries: ['contoso.azurecr.io/*', 'harbor.lab.contoso.com/*', 'mcr.microsoft.com/*', 'registry.k8s.io/*', 'quay.io/jetstack/*', 'ghcr.io/external-secrets/*', 'docker.io/bitnami/*'],
        allowedNodes: ['aks-nodepool1-*', 'k8s-cp-*', 'k8s-worker-*'],
        disallowedNamespaces: ['default'],
        disallowedUsers: ['former-admin@contoso.com'],
      }),
    );
    const known = new Set(knownFalsePositiveSchema.parse(readKnownFalsePositives()).map((entry) => findingKey(entry.ruleId, entry.auditId)));
    const unexpected = runs.flatMap((run) =>
      evaluateRules(run.decoded.records, { rules: allRules, context })
        .findings.filter((finding) => !known.has(findingKey(finding.rule.id, evidenceIdOf(finding.record))))
        .map((finding) => describeFinding(run.fixture.file, finding)),
    );
    expect(unexpected).toEqual([]);
  });

  it('when system pods with privileged settings are created, then they are judged like any pod and pass only as infrastructure workloads', () => {
    // The node agents, control-plane mirror pods and add-on pods of the baseline: privileged, host namespaces, host paths or
    // added capabilities, created by the DaemonSet and ReplicaSet controllers or the kubelet. The pod-spec rules judge every
    // pod create whoever makes it, so these must be quiet because of the infrastructure namespace and image lists.
    const events = new Map(runs.flatMap((run) => run.decoded.records.map((record) => [record.event.auditID, record.event] as const)));
    const privilegedPodCreates = [...events.values()]
      .filter((event) => event.verb === 'create' && event.objectRef?.resource === 'pods' && event.objectRef.subresource === undefined)
      .filter((event) => {
        const podSpec = podSpecOf(event);
        const containers = workloadContainers(event);
        return (
          sharedHostNamespaces(podSpec).length > 0 ||
          hostPathVolumes(podSpec).length > 0 ||
          containers.some((container) => isPrivileged(container) || addedCapabilities(container).length > 0)
        );
      });
    expect(privilegedPodCreates.length).toBeGreaterThanOrEqual(20);
    const notJudged = privilegedPodCreates.filter((event) => !isJudgedPodSpecWrite(event, defaultDetectionContext)).map((event) => event.auditID);
    expect(notJudged).toEqual([]);
    const notInfrastructure = privilegedPodCreates
      .filter((event) => !isInfrastructureWorkload(event, defaultDetectionContext))
      .map((event) => `${event.auditID} ${event.objectRef?.namespace ?? ''} ${workloadContainers(event).map((container) => container.image).join(',')}`);
    expect(notInfrastructure).toEqual([]);
  });

  it('when the known false positives are read, then each names a rule of the library, an audit id and a reason', () => {
    const parsed = knownFalsePositiveSchema.safeParse(readKnownFalsePositives());
    expect(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)).toEqual([]);
    const entries: KnownFalsePositive[] = parsed.success ? parsed.data : [];
    const ruleIds = new Set(allRules.map((rule) => rule.id));
    expect(entries.filter((entry) => !ruleIds.has(entry.ruleId)).map((entry) => entry.ruleId)).toEqual([]);
    const keys = entries.map((entry) => findingKey(entry.ruleId, entry.auditId));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('when the known false positives are read, then each still alerts (no stale entries)', () => {
    const alerting = new Set(runs.flatMap((run) => run.evaluation.findings.map((finding) => findingKey(finding.rule.id, evidenceIdOf(finding.record)))));
    const stale = knownFalsePositiveSchema
      .parse(readKnownFalsePositives())
      .filter((entry) => !alerting.has(findingKey(entry.ruleId, entry.auditId)))
      .map((entry) => `${entry.ruleId} auditID=${entry.auditId}`);
    expect(stale).toEqual([]);
  });
});
