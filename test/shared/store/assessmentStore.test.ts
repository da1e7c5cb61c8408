import { evaluateClusterChecks, nextAssessment, type Assessment } from '../../../shared/posture/evaluateClusterChecks';
import { exampleCluster } from '../../../shared/posture/exampleClusters';
import { deleteAssessments, listAssessments, queryAssessments, upsertAssessments } from '../../../shared/store/assessmentStore';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

const SUB = '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4c5d';
const OTHER_SUB = '1d2c3b4a-5e6f-4a7b-8c9d-0e1f2a3b4cff';
const NOW = '2026-11-02T10:15:30.000Z';

function assessmentsOf(subscriptionId: string, resourceGroup: string, name: string): Assessment[] {
  const cluster = exampleCluster({}, { id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${name}`, name });
  return evaluateClusterChecks(cluster, { now: NOW }).flatMap((result) => nextAssessment(undefined, result, NOW) ?? []);
}

describe('assessmentStore', () => {
  let cosmos: TestCosmos;
  const a = assessmentsOf(SUB, 'rg-a', 'aks-a');
  const b = assessmentsOf(SUB, 'rg-b', 'aks-b');
  const twin = assessmentsOf(SUB, 'rg-twin', 'aks-a');
  const other = assessmentsOf(OTHER_SUB, 'rg-a', 'aks-a');

  beforeAll(async () => {
    cosmos = await startTestCosmos();
    await upsertAssessments(cosmos.database, [...a, ...b, ...twin, ...other]);
  });
  afterAll(async () => {
    await cosmos.close();
  });

  it('when a subscription is listed, then only its assessments come back, by id, without system properties', async () => {
    const listed = await listAssessments(cosmos.database, SUB);
    expect(listed).toHaveLength(a.length + b.length + twin.length);
    expect(listed.map((assessment) => assessment.id)).toEqual([...a, ...b, ...twin].map((assessment) => assessment.id).sort());
    expect(listed.every((assessment) => assessment.subscriptionId === SUB && !('_etag' in assessment))).toBe(true);
  });

  it('when filtered by cluster name, then clusters of that name in every resource group match; by resource id, only that one', async () => {
    expect(await listAssessments(cosmos.database, SUB, { clusterName: 'aks-a' })).toHaveLength(a.length + twin.length);
    const byId = await listAssessments(cosmos.database, SUB, { clusterResourceId: a[0]?.resourceDetails.id ?? '' });
    expect(byId).toHaveLength(a.length);
  });

  it('when filtered by status, severity, category and name, then every result matches each filter', async () => {
    const filtered = await listAssessments(cosmos.database, SUB, { statuses: ['Unhealthy'], severities: ['High', 'Medium'], category: 'Networking' });
    expect(filtered.length).toBeGreaterThan(0);
    expect(filtered.every((x) => x.status.code === 'Unhealthy' && x.metadata.severity !== 'Low' && x.metadata.categories.includes('Networking'))).toBe(true);
    expect(await listAssessments(cosmos.database, SUB, { name: 'network-policy' })).toHaveLength(3);
  });

  it('when paged, then the pages hold every assessment once and the last has no next position', async () => {
    const ids: string[] = [];
    let after: { id: string } | undefined;
    for (;;) {
      const page = await queryAssessments(cosmos.database, SUB, {}, { top: 10, ...(after === undefined ? {} : { after }) });
      ids.push(...page.assessments.map((x) => x.id));
      if (page.next === undefined) break;
      after = page.next;
    }
    expect(ids).toEqual([...a, ...b, ...twin].map((x) => x.id).sort());
  });

  it('when assessments are deleted, then they are gone, and deleting one that is gone again is no error', async () => {
    const ids = b.map((x) => x.id);
    await deleteAssessments(cosmos.database, SUB, ids);
    await deleteAssessments(cosmos.database, SUB, ids);
    expect(await listAssessments(cosmos.database, SUB, { clusterName: 'aks-b' })).toEqual([]);
    expect(await listAssessments(cosmos.database, OTHER_SUB)).toHaveLength(other.length);
  });
});
