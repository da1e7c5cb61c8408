import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AssessmentStatusCode } from '../../../shared/posture/assessment';
import { clustersFromJson, ClusterInputSkipReason, readClusterInput } from '../../../shared/posture/clusterInput';
import { evaluateClusterChecks } from '../../../shared/posture/evaluateClusterChecks';
import { EXAMPLE_CLUSTER_NOW, exampleCluster } from '../../../shared/posture/exampleClusters';

const fixtures = path.join(__dirname, '../../fixtures/clusters');
const fixture = (name: string): string => readFileSync(path.join(fixtures, name), 'utf8');

describe('readClusterInput', () => {
  it('when given an ARM GET body, then it returns the cluster as it is', () => {
    const cluster = exampleCluster();
    const input = readClusterInput(JSON.stringify(cluster), 'c.json');
    expect(input).toEqual({ clusters: [{ cluster, origin: 'c.json' }], skipped: [] });
  });

  it('when given an azure-rest-api-specs example file, then it reads its response body', () => {
    const input = readClusterInput(fixture('ManagedClustersGet.json'), 'get.json');
    expect(input.skipped).toEqual([]);
    expect(input.clusters.map((item) => item.cluster['name'])).toEqual(['clustername1']);
  });

  it('when given an ARM list body, then every listed cluster is read with its index', () => {
    const input = readClusterInput(fixture('ManagedClustersList.json'), 'list.json');
    expect(input.clusters.map((item) => item.origin)).toEqual(['list.json[0]']);
  });

  it('when given a Resource Graph response, then the cluster row is read with its extra columns and the storage account is skipped', () => {
    const input = readClusterInput(fixture('resource-graph-response.json'), 'rg.json');
    expect(input.clusters).toHaveLength(1);
    expect(input.clusters[0]?.cluster['subscriptionId']).toBe('00000000-0000-0000-0000-000000000000');
    expect(input.skipped).toEqual([{ origin: 'rg.json[1]', reason: ClusterInputSkipReason.NotManagedCluster, detail: 'type microsoft.storage/storageaccounts' }]);
  });

  it('when given az aks show output, then it is turned into an ARM body with wire names', () => {
    const input = readClusterInput(fixture('az-aks-show-entra-azure-rbac.json'), 'az.json');
    expect(input.skipped).toEqual([]);
    const cluster = input.clusters[0]?.cluster ?? {};
    const properties = cluster['properties'] as Record<string, unknown>;
    expect(cluster['resourceGroup']).toBe('rg-k8sdemo');
    expect(properties['enableRBAC']).toBe(true);
    expect(properties['enableRbac']).toBeUndefined();
    expect(properties['aadProfile']).toMatchObject({ enableAzureRBAC: true, managed: true, tenantID: 'c0177927-0000-4000-8000-000000000002' });
    expect(properties['autoUpgradeProfile']).toEqual({ nodeOSUpgradeChannel: 'NodeImage', upgradeChannel: null });
    expect((properties['agentPoolProfiles'] as Record<string, unknown>[])[0]).toMatchObject({ enableNodePublicIP: false, osSKU: 'Ubuntu', osDiskSizeGB: 128, securityProfile: { enableVTPM: false, sshAccess: 'LocalUser' } });
    expect(cluster['identity']).toMatchObject({ tenantId: 'c0177927-0000-4000-8000-000000000002' });
  });

  it('when az aks show output and the same cluster as an ARM body are evaluated, then the statuses agree', () => {
    const az = readClusterInput(fixture('az-aks-show-entra-azure-rbac.json'), 'az.json').clusters[0]?.cluster ?? {};
    const statuses = evaluateClusterChecks(az, { now: EXAMPLE_CLUSTER_NOW }).map((result) => [result.checkName, result.status.code]);
    expect(statuses).toContainEqual(['entra-id-integration', AssessmentStatusCode.Healthy]);
    expect(statuses).toContainEqual(['azure-rbac-authorization', AssessmentStatusCode.Healthy]);
    expect(statuses).toContainEqual(['network-policy', AssessmentStatusCode.Unhealthy]);
    expect(statuses).toContainEqual(['ssh-access-disabled', AssessmentStatusCode.Unhealthy]);
  });

  it('when given NDJSON with a broken line, then the good lines are read and the broken one is skipped with its line number', () => {
    const text = `${JSON.stringify(exampleCluster())}\n\n{not json\n${JSON.stringify(exampleCluster({}, { name: 'second' }))}\n`;
    const input = readClusterInput(text, 'c.ndjson');
    expect(input.clusters.map((item) => item.origin)).toEqual(['c.ndjson:1', 'c.ndjson:4']);
    expect(input.skipped).toEqual([expect.objectContaining({ origin: 'c.ndjson:3', reason: ClusterInputSkipReason.InvalidJson })]);
  });

  it('when given a JSON array of mixed forms and odd values, then clusters are read and the rest skipped with reasons', () => {
    const { id: _id, ...withoutId } = exampleCluster();
    const input = clustersFromJson([exampleCluster(), { value: [exampleCluster()] }, 42, null, { hello: 'world' }, withoutId], 'a.json');
    expect(input.clusters.map((item) => item.origin)).toEqual(['a.json[0]', 'a.json[1][0]']);
    expect(input.skipped.map((skip) => [skip.origin, skip.reason])).toEqual([
      ['a.json[2]', ClusterInputSkipReason.NotAnObject],
      ['a.json[3]', ClusterInputSkipReason.NotAnObject],
      ['a.json[4]', ClusterInputSkipReason.UnrecognizedShape],
      ['a.json[5]', ClusterInputSkipReason.MissingResourceId],
    ]);
  });

  it('when given an empty text or plain text, then it returns nothing or a skip, never throws', () => {
    expect(readClusterInput('  \n', 'e.json')).toEqual({ clusters: [], skipped: [] });
    expect(readClusterInput('hello', 'h.txt').skipped).toEqual([expect.objectContaining({ reason: ClusterInputSkipReason.InvalidJson, origin: 'h.txt:1' })]);
  });
});
