import { join } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { deleteCluster } from '../../functions/deleteCluster';
import { getCluster } from '../../functions/getCluster';
import { listClusters } from '../../functions/listClusters';
import { putCluster } from '../../functions/putCluster';
import { hashIngestionKey, type ParsedIngestionKey, parseIngestionKey } from '../../shared/clusters/ingestionKey';
import { verifyIngestionKeyWithVerifiers } from '../../shared/clusters/ingestionKeyVerifier';
import { getServices } from '../../shared/services';
import { type ClusterRegistration, type ClusterRegistrationView, getClusterRegistration, saveClusterRegistration } from '../../shared/store/clusterStore';
import { ApiHarness, expectInvalidParameter, roleCast, type TestCaller } from '../support/apiHarness';

const SUB = '5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d';
const OTHER_SUB = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const { reader, admin, owner, stranger } = roleCast('e');

const ARC_ID = (sub: string, name: string) => `/subscriptions/${sub}/resourceGroups/argus-registered-clusters/providers/Microsoft.Kubernetes/connectedClusters/${name}`;
const AKS_ID = (sub: string, name: string, group = 'rg-prod') => `/subscriptions/${sub}/resourceGroups/${group}/providers/Microsoft.ContainerService/managedClusters/${name}`;

interface IssuedRegistration extends ClusterRegistrationView {
  ingestionKey: string;
  webhookUrl: string;
}

describe('cluster registration routes', () => {
  let harness: ApiHarness;

  beforeAll(async () => {
    harness = await new ApiHarness().start();
    await harness.grantCast({ reader, admin, owner, stranger }, SUB, OTHER_SUB);
  });
  afterAll(async () => {
    await harness.stop();
  });

  const path = (sub: string, name?: string) => `/api/subscriptions/${sub}/clusters${name === undefined ? '' : `/${name}`}`;
  const put = (name: string, body?: unknown, as: TestCaller | null = owner, sub = SUB) =>
    harness.call(putCluster, 'PUT', path(sub, name), { params: { subscriptionId: sub, clusterName: name }, as, ...(body === undefined ? {} : { body }) });
  const get = (name: string, as: TestCaller | null = reader, sub = SUB) =>
    harness.call(getCluster, 'GET', path(sub, name), { params: { subscriptionId: sub, clusterName: name }, as });
  const list = (as: TestCaller | null = reader, sub = SUB) => harness.call(listClusters, 'GET', path(sub), { params: { subscriptionId: sub }, as });
  const remove = (name: string, as: TestCaller | null = owner, sub = SUB) =>
    harness.call(deleteCluster, 'DELETE', path(sub, name), { params: { subscriptionId: sub, clusterName: name }, as });
  const stored = async (name: string, sub = SUB): Promise<ClusterRegistration | undefined> => (await getClusterRegistration(harness.database, sub, name))?.registration;
  const errorOf = (response: { jsonBody?: unknown }) => (response.jsonBody as { error: { code: string; message: string } }).error;
  const secretOf = (key: string) => key.split('.').at(-1) ?? '';
  const verifyIngestionKey = (key: ParsedIngestionKey, registration: ClusterRegistration, now: Date) =>
    verifyIngestionKeyWithVerifiers(getServices().secrets, key, registration, now);

  describe('roles', () => {
    beforeAll(async () => {
      expect((await put('roles-cluster')).status).toBe(201);
    });

    it.each([
      ['no token', null, 401],
      ['a SecurityReader', reader, 200],
      ['an Owner', owner, 200],
      ['a caller without a role', stranger, 403],
    ] as const)('when %s lists the clusters, then it is %d', async (_who, caller, status) => {
      expect((await list(caller)).status).toBe(status);
    });

    it.each([
      ['no token', null, 401],
      ['a SecurityReader', reader, 200],
      ['a SecurityAdmin', admin, 200],
      ['a caller without a role', stranger, 404],
    ] as const)('when %s reads a registration, then it is %d', async (_who, caller, status) => {
      expect((await get('roles-cluster', caller)).status).toBe(status);
    });

    it.each([
      ['no token', null, 401],
      ['a SecurityReader', reader, 403],
      ['a SecurityAdmin', admin, 403],
      ['a caller without a role', stranger, 404],
    ] as const)('when %s registers, rotates or revokes, then it is %d and nothing changes', async (_who, caller, status) => {
      const before = await stored('roles-cluster');
      expect((await put('roles-cluster', undefined, caller)).status).toBe(status);
      expect((await put('new-by-non-owner', undefined, caller)).status).toBe(status);
      expect((await remove('roles-cluster', caller)).status).toBe(status);
      expect(await stored('roles-cluster')).toEqual(before);
      expect(await stored('new-by-non-owner')).toBeUndefined();
    });
  });

  describe('register, read, rotate, revoke', () => {
    it('when an Owner registers a cluster, then 201 shows the key once, with the Arc identity by default and the webhook URL', async () => {
      const created = await put('kind-dev');
      expect(created.status).toBe(201);
      expect(created.headers).toMatchObject({ 'cache-control': 'no-store' });
      const body = created.jsonBody as IssuedRegistration;
      expect(body).toMatchObject({
        subscriptionId: SUB,
        clusterName: 'kind-dev',
        resourceId: ARC_ID(SUB, 'kind-dev'),
        keyId: secretOf(body.ingestionKey).slice(0, 8),
        webhookUrl: 'http://127.0.0.1:7071/api/ingest/audit',
        createdBy: { principalId: owner.objectId, principalName: owner.name },
        updatedBy: { principalId: owner.objectId, principalName: owner.name },
      });
      expect(parseIngestionKey(body.ingestionKey)).toEqual({ key: body.ingestionKey, subscriptionId: SUB, clusterName: 'kind-dev' });
      for (const hidden of ['id', 'keyHash', 'previousKeyHash', 'keyVerifier', 'previousKeyVerifier', '_rid', '_etag', '_ts']) expect(body).not.toHaveProperty(hidden);

      // The store keeps a keyed verifier only: neither the key nor its plain hash.
      const document = await harness.database.container('clusters').item('kind-dev', SUB).read<Record<string, unknown>>();
      expect(document.resource?.['keyHash']).toBeUndefined();
      expect(document.resource?.['keyVerifier']).toMatchObject({ v: 1, mac: 'HS256', kid: expect.any(String) as string, wrappedKey: expect.any(String) as string });
      const raw = JSON.stringify(document.resource);
      expect(raw).not.toContain(secretOf(body.ingestionKey));
      expect(raw).not.toContain(hashIngestionKey(body.ingestionKey));
      expect(raw).not.toContain(Buffer.from(hashIngestionKey(body.ingestionKey), 'hex').toString('base64url'));
    });

    it('when a registration is read or listed, then neither the key nor a hash is shown', async () => {
      const created = (await put('read-me')).jsonBody as IssuedRegistration;
      const read = await get('read-me');
      const listed = await list();
      expect(read.status).toBe(200);
      expect(read.jsonBody).toEqual((({ ingestionKey: _k, webhookUrl: _w, ...view }) => view)(created));
      const registration = await stored('read-me');
      for (const response of [read, listed]) {
        const text = JSON.stringify(response.jsonBody);
        expect(text).not.toContain(secretOf(created.ingestionKey));
        expect(text).not.toContain(registration!.keyVerifier!.value);
        expect(text).not.toMatch(/keyHash|keyVerifier|ingestionKey|_etag/);
      }
    });

    it('when a cluster name has upper case, then it is stored and found lower case', async () => {
      const created = await put('K3s-Edge_1');
      expect(created.status).toBe(201);
      expect(created.jsonBody).toMatchObject({ clusterName: 'k3s-edge_1', resourceId: ARC_ID(SUB, 'k3s-edge_1') });
      expect((await get('K3S-EDGE_1')).jsonBody).toMatchObject({ clusterName: 'k3s-edge_1' });
    });

    it('when the key is rotated without a grace, then 200 with a new key, the old key stops at once, and the creator is kept', async () => {
      const first = (await put('rotate-now', undefined)).jsonBody as IssuedRegistration;
      const rotated = await put('rotate-now', undefined, owner);
      expect(rotated.status).toBe(200);
      const second = rotated.jsonBody as IssuedRegistration;
      expect(second.ingestionKey).not.toBe(first.ingestionKey);
      expect(second.keyId).not.toBe(first.keyId);
      expect(second.createdAtUtc).toBe(first.createdAtUtc);
      expect(second).not.toHaveProperty('previousKeyExpiresAtUtc');

      const registration = (await stored('rotate-now'))!;
      const now = new Date();
      expect(await verifyIngestionKey(parseIngestionKey(first.ingestionKey)!, registration, now)).toBe(false);
      expect(await verifyIngestionKey(parseIngestionKey(second.ingestionKey)!, registration, now)).toBe(true);
    });

    it('when the key is rotated with a grace, then the old key works until the grace ends, and GET says until when', async () => {
      const first = (await put('rotate-grace')).jsonBody as IssuedRegistration;
      const before = Date.now();
      const rotated = await put('rotate-grace', { previousKeyValidForMinutes: 60 });
      expect(rotated.status).toBe(200);
      const second = rotated.jsonBody as IssuedRegistration;
      const expires = Date.parse((second as { previousKeyExpiresAtUtc?: string }).previousKeyExpiresAtUtc ?? '');
      expect(expires).toBeGreaterThanOrEqual(before + 60 * 60_000);
      expect(expires).toBeLessThan(Date.now() + 60 * 60_000 + 1000);
      expect((await get('rotate-grace')).jsonBody).toMatchObject({ keyId: second.keyId, previousKeyId: first.keyId, previousKeyExpiresAtUtc: new Date(expires).toISOString() });

      const registration = (await stored('rotate-grace'))!;
      const old = parseIngestionKey(first.ingestionKey)!;
      expect(await verifyIngestionKey(old, registration, new Date())).toBe(true);
      expect(await verifyIngestionKey(old, registration, new Date(expires + 1))).toBe(false);
      expect(await verifyIngestionKey(parseIngestionKey(second.ingestionKey)!, registration, new Date(expires + 1))).toBe(true);
    });

    it('when two writes race, then the one working from a stale read is refused as a conflict (no key is silently overwritten)', async () => {
      await put('race');
      const read = (await getClusterRegistration(harness.database, SUB, 'race'))!;
      expect((await put('race')).status).toBe(200);
      expect(await saveClusterRegistration(harness.database, read.registration, read.etag)).toEqual({ kind: 'conflict' });
      expect(await saveClusterRegistration(harness.database, read.registration)).toEqual({ kind: 'conflict' });
    });

    it('when a cluster is deleted, then 204, it is gone, and deleting again is 404', async () => {
      await put('revoke-me');
      const deleted = await remove('revoke-me');
      expect(deleted.status).toBe(204);
      expect(deleted.headers).toMatchObject({ 'cache-control': 'no-store' });
      expect((await get('revoke-me')).status).toBe(404);
      expect(await stored('revoke-me')).toBeUndefined();
      const again = await remove('revoke-me');
      expect(again.status).toBe(404);
      expect(errorOf(again).code).toBe('NotFound');
    });

    it('when a registration does not exist, then GET is 404', async () => {
      const response = await get('never-registered');
      expect(response.status).toBe(404);
      expect(errorOf(response)).toEqual({ code: 'NotFound', message: 'The cluster registration was not found.' });
    });

    it("when the clusters are listed, then the subscription's come by name and no other tenant's", async () => {
      await put('zz-last');
      await put('aa-first');
      await put('aa-other-tenant', undefined, stranger, OTHER_SUB);
      const response = await list();
      expect(response.status).toBe(200);
      const names = (response.jsonBody as { value: ClusterRegistrationView[] }).value.map((c) => c.clusterName);
      expect(names).toEqual([...names].sort());
      expect(names).toEqual(expect.arrayContaining(['aa-first', 'zz-last', 'kind-dev']));
      expect(names).not.toContain('aa-other-tenant');
    });
  });

  describe('identity', () => {
    it('when an AKS resource id of the same subscription and name is given, then the events are tagged with it (canonical casing)', async () => {
      const response = await put('aks-prod', { resourceId: AKS_ID(SUB, 'AKS-PROD', 'RG-PROD').toUpperCase() });
      expect(response.status).toBe(201);
      expect(response.jsonBody).toMatchObject({ resourceId: AKS_ID(SUB, 'aks-prod', 'rg-prod') });
    });

    it('when the key is rotated without a resourceId, then the registered one is kept; a new one replaces it', async () => {
      await put('relabel', { resourceId: AKS_ID(SUB, 'relabel') });
      expect((await put('relabel')).jsonBody).toMatchObject({ resourceId: AKS_ID(SUB, 'relabel') });
      const arc = `/subscriptions/${SUB}/resourceGroups/edge/providers/Microsoft.Kubernetes/connectedClusters/relabel`;
      expect((await put('relabel', { resourceId: arc })).jsonBody).toMatchObject({ resourceId: arc });
    });

    it.each([
      ['not a resource id', 'kind-dev'],
      ['a virtual machine', `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/bad-identity`],
      ["another subscription's cluster", AKS_ID(OTHER_SUB, 'bad-identity')],
      ['a cluster of another name', AKS_ID(SUB, 'someone-else')],
      ['an empty string', ''],
      ['a number', 42],
    ])('when the resourceId is %s, then it is 400 naming resourceId and nothing is registered', async (_situation, resourceId) => {
      const response = await put('bad-identity', { resourceId });
      expect(response.status).toBe(400);
      expect(errorOf(response)).toMatchObject({ code: 'InvalidRequestBody', message: expect.stringMatching(/^resourceId /) as string });
      expect(await stored('bad-identity')).toBeUndefined();
    });
  });

  describe('bad input', () => {
    it.each([['-leading-dash'], ['_leading'], ['has.dot'], ['a'.repeat(64)], ['spa ce'], ['ümlaut']])('when the cluster name is %s, then it is 400 naming clusterName', async (name) => {
      expectInvalidParameter(await put(name), 'clusterName');
      expectInvalidParameter(await get(name), 'clusterName');
      expectInvalidParameter(await remove(name), 'clusterName');
    });

    it('when the cluster name has 63 characters, then it is accepted', async () => {
      expect((await put('a'.repeat(63))).status).toBe(201);
    });

    it.each([[-1], [10081], [1.5], ['60'], [null]])('when previousKeyValidForMinutes is %p, then it is 400 naming it', async (value) => {
      const response = await put('grace-check', { previousKeyValidForMinutes: value });
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toMatch(/^previousKeyValidForMinutes /);
    });

    it('when the body has an unknown field or is not an object, then it is 400 and nothing is registered', async () => {
      const unknown = await put('body-check', { resourceID: AKS_ID(SUB, 'body-check') });
      expect(unknown.status).toBe(400);
      expect(errorOf(unknown).message).toMatch(/^resourceID is not a known field/);
      expect((await put('body-check', '[1]')).status).toBe(400);
      expect(await stored('body-check')).toBeUndefined();
    });

    it('when the longest grace is asked for, then it is accepted', async () => {
      await put('grace-max');
      expect((await put('grace-max', { previousKeyValidForMinutes: 10080 })).status).toBe(200);
    });
  });

  describe('docs/openapi.yaml', () => {
    it('when the ClusterRegistration schemas are read, then they define exactly the fields the API returns', async () => {
      const api = (await SwaggerParser.dereference(join(__dirname, '..', '..', 'docs', 'openapi.yaml'))) as unknown as {
        components: { schemas: Record<string, { properties?: Record<string, unknown>; allOf?: { properties?: Record<string, unknown> }[] }> };
      };
      const by = { principalId: owner.objectId, principalName: owner.name };
      const time = '2026-11-02T10:00:00.000Z';
      // Required<...> makes the compiler demand every field: a new one fails to compile until documented.
      const view: Required<ClusterRegistrationView> = {
        subscriptionId: SUB, clusterName: 'kind-dev', resourceId: ARC_ID(SUB, 'kind-dev'), keyId: 'AbCdEfGh', keyCreatedAtUtc: time,
        previousKeyId: 'ZyXwVuTs', previousKeyExpiresAtUtc: time, createdAtUtc: time, createdBy: by, updatedAtUtc: time, updatedBy: by,
      };
      const schemas = api.components.schemas;
      expect(Object.keys(schemas['ClusterRegistration']?.properties ?? {}).sort()).toEqual(Object.keys(view).sort());
      const issued = schemas['IssuedClusterRegistration']?.allOf?.flatMap((part) => Object.keys(part.properties ?? {})) ?? [];
      expect(issued.sort()).toEqual([...Object.keys(view), 'ingestionKey', 'webhookUrl'].sort());
    });
  });
});
