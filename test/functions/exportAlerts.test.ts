import { setTimeout as sleep } from 'node:timers/promises';
import { changeAlertStatus } from '../../functions/changeAlertStatus';
import { CURSOR_HEADER, encodeExportCursor, exportAlerts, HAS_MORE_HEADER, MAX_EXPORT_PAGE_SIZE } from '../../functions/exportAlerts';
import { type Alert, AlertStatus } from '../../shared/alerts/alert';
import { type ExportedAlert } from '../../shared/alerts/export/exportedAlert';
import { OCSF_SCHEMA_VERSION, type OcsfDetectionFinding } from '../../shared/alerts/export/ocsfFormat';
import { setAlertEventPublisherForTests } from '../../shared/services';
import { getAlert, replaceAlert, upsertAlerts } from '../../shared/store/alertStore';
import { nodeAlert, variedAlert } from '../support/alertFixtures';
import { ApiHarness, expectInvalidParameter, roleCast, type TestCaller } from '../support/apiHarness';
import { applyAppSettings } from '../support/appSettings';
import { RecordingPublisher } from '../support/recordingPublisher';
import { storedAlertsOf } from '../support/storedAlerts';

/*
 * The SIEM's incremental pull. The settle time is set to its minimum (1 s) so that the tests can wait it
 * out: changes are served only once they are EXPORT_SETTLE_SECONDS old.
 */

const SETTLE_IN_MS = 1000;
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const { reader, admin, owner, stranger } = roleCast('f');
const nobody: TestCaller = { objectId: 'f0000000-0000-4000-8000-000000000009', name: 'Nia Nobody' };
const siemApp: TestCaller = { objectId: 'f0000000-0000-4000-8000-00000000000a', name: 'sentinel-connector', kind: 'application' };

interface JsonExport<T = ExportedAlert> {
  format: string;
  ocsfSchemaVersion?: string;
  value: T[];
  cursor: string;
  hasMore: boolean;
}

const headerOf = (response: { headers?: unknown }, name: string): string | undefined => (response.headers as Record<string, string> | undefined)?.[name];

/** The export order: oldest change first, then by id. */
const byChange = (a: Alert, b: Alert): number =>
  a.lastModifiedUtc !== b.lastModifiedUtc ? (a.lastModifiedUtc < b.lastModifiedUtc ? -1 : 1) : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;

describe('GET /api/subscriptions/{subscriptionId}/export/alerts', () => {
  const harness = new ApiHarness();
  const alertEvents = new RecordingPublisher();
  let restoreSettings: () => void;
  let subscriptionCounter = 0;
  let alertCounter = 0;

  beforeAll(async () => {
    await harness.start();
    restoreSettings = applyAppSettings({ EXPORT_SETTLE_SECONDS: String(SETTLE_IN_MS / 1000) });
    setAlertEventPublisherForTests(alertEvents);
  });
  afterAll(async () => {
    setAlertEventPublisherForTests(undefined);
    restoreSettings();
    await harness.stop();
  });

  /** A subscription of its own per test, with the reader, the admin and the SIEM's service principal. */
  async function freshSubscription(): Promise<string> {
    subscriptionCounter++;
    const subscriptionId = `4c000000-0000-4000-8000-${subscriptionCounter.toString(16).padStart(12, '0')}`;
    await Promise.all([
      harness.grant(subscriptionId, reader, 'SecurityReader'),
      harness.grant(subscriptionId, admin, 'SecurityAdmin'),
      harness.grant(subscriptionId, owner, 'Owner'),
    ]);
    return subscriptionId;
  }

  /** A new Active alert (distinct id) changed at `lastModifiedUtc`, at `version`. */
  function newAlert(subscriptionId: string, lastModifiedUtc: string, version = 1): Alert {
    return { ...variedAlert(alertCounter++, subscriptionId), status: AlertStatus.Active, statusHistory: [], version, lastModifiedUtc };
  }

  /** `count` alerts changed one ms apart (and some at the same ms), all settled: `ageInMs` old and older. */
  function settledAlerts(subscriptionId: string, count: number, ageInMs = 60_000): Alert[] {
    const base = Date.now() - ageInMs - count;
    return Array.from({ length: count }, (_, i) => newAlert(subscriptionId, new Date(base + Math.floor(i / 2) * 7).toISOString(), 1 + (i % 3)));
  }

  const exportPage = (subscriptionId: string, query: Record<string, string> = {}, as: TestCaller | null = reader) =>
    harness.call(exportAlerts, 'GET', `/api/subscriptions/${subscriptionId}/export/alerts`, { params: { subscriptionId }, query, as });

  async function exportJson(subscriptionId: string, query: Record<string, string> = {}, as: TestCaller | null = reader): Promise<JsonExport> {
    const response = await exportPage(subscriptionId, query, as);
    expect(response.status).toBe(200);
    return response.jsonBody as JsonExport;
  }

  /** Follows the cursor until hasMore is false; the alerts in the order served. */
  async function exportAll(subscriptionId: string, top: number, cursor?: string): Promise<{ alerts: ExportedAlert[]; pages: number; cursor: string }> {
    const alerts: ExportedAlert[] = [];
    let pages = 0;
    let next = cursor;
    for (;;) {
      const body = await exportJson(subscriptionId, { top: String(top), ...(next === undefined ? {} : { cursor: next }) });
      alerts.push(...body.value);
      pages++;
      next = body.cursor;
      if (!body.hasMore) return { alerts, pages, cursor: next };
      if (pages > 1000) throw new Error('the export does not end');
    }
  }

  const postStatus = (subscriptionId: string, alertId: string, action: string) =>
    harness.call(changeAlertStatus, 'POST', `/api/subscriptions/${subscriptionId}/alerts/${alertId}/${action}`, { params: { subscriptionId, alertId, action }, as: admin });

  /** What the ingestion fold does to an alert it adds an occurrence to: count + 1, version + 1, stamped now. */
  async function foldOccurrence(subscriptionId: string, alertId: string): Promise<Alert> {
    const stored = await getAlert(harness.database, subscriptionId, alertId);
    if (stored === undefined) throw new Error(`no alert ${alertId}`);
    const next = { ...stored.alert, count: stored.alert.count + 1, version: stored.alert.version + 1, lastModifiedUtc: new Date().toISOString() };
    const replaced = await replaceAlert(harness.database, next, stored.etag);
    if (replaced.kind !== 'replaced') throw new Error(`fold of ${alertId}: ${replaced.kind}`);
    return replaced.stored.alert;
  }

  describe('format json', () => {
    it('when alerts exist, then each is served in its own shape with its version, without ingestedThrough, with a cursor and hasMore', async () => {
      const sub = await freshSubscription();
      const alert = { ...newAlert(sub, new Date(Date.now() - 60_000).toISOString(), 4), ingestedThrough: { 'insights-logs-kube-audit/0': 17 } };
      await upsertAlerts(harness.database, [alert]);

      const response = await exportPage(sub);
      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({ 'cache-control': 'no-store', [HAS_MORE_HEADER]: 'false' });
      const body = response.jsonBody as JsonExport;
      const { ingestedThrough: _ingestedThrough, ...expected } = alert;
      expect(body).toEqual({ format: 'json', value: [expected], cursor: expect.stringMatching(/^[A-Za-z0-9_-]+$/) as string, hasMore: false });
      expect(body.value[0]).not.toHaveProperty('ingestedThrough');
      expect(body.value[0]?.version).toBe(4);
      expect(headerOf(response, CURSOR_HEADER)).toBe(body.cursor);
      expect(body.cursor).toBe(encodeExportCursor({ lastModifiedUtc: alert.lastModifiedUtc, id: alert.id }));

      // Nothing changed since: the cursor gives an empty page and stays where it is.
      const after = await exportJson(sub, { cursor: body.cursor });
      expect(after).toMatchObject({ value: [], cursor: body.cursor, hasMore: false });
    });

    it('when paging with top, then every alert is served exactly once, oldest change first (ties by id), and hasMore is false only on the last page', async () => {
      const sub = await freshSubscription();
      const alerts = settledAlerts(sub, 25);
      await upsertAlerts(harness.database, alerts);

      const served: ExportedAlert[] = [];
      const hasMores: boolean[] = [];
      let cursor: string | undefined;
      do {
        const body = await exportJson(sub, { top: '4', ...(cursor === undefined ? {} : { cursor }) });
        expect(body.value.length).toBeLessThanOrEqual(4);
        served.push(...body.value);
        hasMores.push(body.hasMore);
        cursor = body.cursor;
      } while (hasMores.at(-1) === true);

      expect(served.map((a) => a.id)).toEqual([...alerts].sort(byChange).map((a) => a.id));
      expect(new Set(served.map((a) => a.id)).size).toBe(25);
      expect(hasMores).toEqual([true, true, true, true, true, true, false]);
      expect(served.map((a) => a.version)).toEqual([...alerts].sort(byChange).map((a) => a.version));
    });

    it('when no top is given, then a page has at most 100 alerts', async () => {
      const sub = await freshSubscription();
      await upsertAlerts(harness.database, settledAlerts(sub, 101), 50);
      const first = await exportJson(sub);
      expect(first.value).toHaveLength(100);
      expect(first.hasMore).toBe(true);
      const second = await exportJson(sub, { cursor: first.cursor });
      expect(second.value).toHaveLength(1);
      expect(second.hasMore).toBe(false);
    });
  });

  describe('paging under writes', () => {
    it('when alerts are created, changed and folded while the consumer pages, then polling past the settle time delivers every alert at its final version', async () => {
      const sub = await freshSubscription();
      const seeded = settledAlerts(sub, 20);
      await upsertAlerts(harness.database, seeded);
      const created = new Set(seeded.map((a) => a.id));

      /** The consumer: the highest version seen per alert id. */
      const seen = new Map<string, number>();
      const exported: string[] = [];
      let cursor: string | undefined;
      const poll = async (): Promise<JsonExport> => {
        const body = await exportJson(sub, { top: '10', ...(cursor === undefined ? {} : { cursor }) });
        for (const alert of body.value) {
          seen.set(alert.id, Math.max(seen.get(alert.id) ?? 0, alert.version));
          exported.push(alert.id);
        }
        cursor = body.cursor;
        return body;
      };
      /** Alerts written only once, by a late commit: left untouched, so that no later change brings them along. */
      const lateIds = new Set<string>();
      const notYetExported = (): string[] => [...created].filter((id) => !seen.has(id) && !lateIds.has(id));
      const alreadyExported = (): string[] => [...seen.keys()];

      const actions = ['resolve', 'dismiss', 'inProgress', 'activate'];
      for (let round = 0; round < 12; round++) {
        // Two concurrent writers: `late` is stamped first but commits only after the page is read, while
        // `fresh` is stamped and committed before the read. Without the settle time, once the consumer has
        // caught up, the page serves `fresh` and its cursor passes `late`'s stamp for good.
        const late = newAlert(sub, new Date().toISOString());
        await sleep(5);
        const fresh = newAlert(sub, new Date().toISOString());
        await upsertAlerts(harness.database, [fresh]);
        await poll();
        await upsertAlerts(harness.database, [late]);
        created.add(late.id).add(fresh.id);
        lateIds.add(late.id);

        const exportedOne = alreadyExported()[round % alreadyExported().length];
        const pendingOne = notYetExported()[0];
        if (exportedOne !== undefined) expect((await postStatus(sub, exportedOne, actions[round % 4] as string)).status).toBe(200);
        if (pendingOne !== undefined) expect((await postStatus(sub, pendingOne, actions[(round + 1) % 4] as string)).status).toBe(200);
        const exportedToFold = alreadyExported()[(round * 3 + 1) % alreadyExported().length];
        if (exportedToFold !== undefined) await foldOccurrence(sub, exportedToFold);
        const pendingToFold = notYetExported().at(-1);
        if (pendingToFold !== undefined) await foldOccurrence(sub, pendingToFold);
        // Some rounds' writes settle while the consumer is still paging.
        await sleep(150);
      }

      // The writers have stopped: poll, waiting out the settle time, until a settled poll brings nothing.
      for (let polls = 0; ; polls++) {
        expect(polls).toBeLessThan(100);
        const body = await poll();
        if (body.hasMore) continue;
        await sleep(SETTLE_IN_MS + 100);
        const settled = await poll();
        if (!settled.hasMore && settled.value.length === 0) break;
      }

      const final = await storedAlertsOf(harness.database, sub);
      expect(final).toHaveLength(created.size);
      expect([...created].filter((id) => !seen.has(id))).toEqual([]);
      const behind = final.filter((alert) => seen.get(alert.id) !== alert.version).map((alert) => `${alert.id}: seen ${seen.get(alert.id)}, stored ${alert.version}`);
      expect(behind).toEqual([]);
      // Changes were really made while paging: some alerts came more than once, at higher versions.
      expect(exported.length).toBeGreaterThan(final.length);
      expect(final.some((alert) => alert.version > 3)).toBe(true);
    });

    it('when a write is stamped before a page is read but committed after it, then a later poll still delivers it', async () => {
      /*
       * Writers stamp lastModifiedUtc before they commit, and restamp a write that took longer than half
       * the settle time from stamp to commit (see restampAlert). A page read at time R serves only changes
       * stamped at or before R - settle, so the cursor never passes R - settle. A write still uncommitted
       * at R commits after R, so its stamp is later than R - settle / 2: ahead of every cursor handed out
       * at R. Without the settle filter, the page at R would serve `justBefore` (stamped R - 100 ms) and
       * move the cursor past the late write's stamp (R - 400 ms), and no poll would ever serve it.
       */
      const sub = await freshSubscription();
      const t0 = Date.now();
      const old = newAlert(sub, new Date(t0 - 5_000).toISOString());
      const justBefore = newAlert(sub, new Date(t0 - 100).toISOString());
      await upsertAlerts(harness.database, [old, justBefore]);

      const first = await exportJson(sub);
      expect(first.value.map((a) => a.id)).toEqual([old.id]);
      expect(first.hasMore).toBe(false);

      const late = newAlert(sub, new Date(t0 - 400).toISOString());
      await upsertAlerts(harness.database, [late]);
      await sleep(SETTLE_IN_MS + 100);

      const second = await exportJson(sub, { cursor: first.cursor });
      expect(second.value.map((a) => a.id)).toEqual([late.id, justBefore.id]);
    });

    it('when an alert changes after it was exported, then it comes again at its new version, and the change is served only once it is settled', async () => {
      const sub = await freshSubscription();
      const alert = newAlert(sub, new Date(Date.now() - 60_000).toISOString());
      await upsertAlerts(harness.database, [alert]);
      const first = await exportJson(sub);
      expect(first.value.map((a) => [a.id, a.version])).toEqual([[alert.id, 1]]);

      const dismissed = await postStatus(sub, alert.id, 'dismiss');
      expect(dismissed.status).toBe(200);
      expect(dismissed.jsonBody).toMatchObject({ version: 2 });
      const unsettled = await exportJson(sub, { cursor: first.cursor });
      expect(unsettled.value).toEqual([]);
      expect(unsettled.cursor).toBe(first.cursor);

      await sleep(SETTLE_IN_MS + 100);
      const settled = await exportJson(sub, { cursor: first.cursor });
      expect(settled.value.map((a) => [a.id, a.version, a.status])).toEqual([[alert.id, 2, 'Dismissed']]);
    });
  });

  describe('format cef', () => {
    it('when exported as cef, then it is text/plain with one CEF line per alert and the cursor in x-argus-cursor continues it', async () => {
      const sub = await freshSubscription();
      const alerts = settledAlerts(sub, 5).sort(byChange);
      await upsertAlerts(harness.database, alerts);

      const first = await exportPage(sub, { format: 'cef', top: '3' });
      expect(first.status).toBe(200);
      expect(headerOf(first, 'content-type')).toBe('text/plain; charset=utf-8');
      expect(headerOf(first, HAS_MORE_HEADER)).toBe('true');
      const firstLines = (first.body as string).split('\n');
      expect(firstLines.pop()).toBe('');
      expect(firstLines).toHaveLength(3);
      for (const [index, line] of firstLines.entries()) {
        expect(line).toMatch(/^CEF:0\|Argus\|Argus\|[^|]*\|[^|]+\|[^|]+\|\d+\|/);
        expect(line).toContain(`externalId=${alerts[index]?.id}`);
        expect(line).toContain(`cn1=${alerts[index]?.version}`);
      }

      const cursor = headerOf(first, CURSOR_HEADER) as string;
      expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
      const second = await exportPage(sub, { format: 'cef', top: '3', cursor });
      expect(headerOf(second, HAS_MORE_HEADER)).toBe('false');
      const secondLines = (second.body as string).trimEnd().split('\n');
      expect(secondLines.map((line) => /externalId=([^ ]+)/.exec(line)?.[1])).toEqual(alerts.slice(3).map((a) => a.id));
    });

    it('when there is nothing to export as cef, then the body is empty and the cursor is still given', async () => {
      const sub = await freshSubscription();
      const response = await exportPage(sub, { format: 'cef' });
      expect(response.status).toBe(200);
      expect(response.body).toBe('');
      expect(headerOf(response, CURSOR_HEADER)).toBe(encodeExportCursor({ lastModifiedUtc: '', id: '' }));
      expect(headerOf(response, HAS_MORE_HEADER)).toBe('false');
    });
  });

  describe('format ocsf', () => {
    it('when exported as ocsf, then the body names the schema version and each record is a Detection Finding (class_uid 2004) of the alert', async () => {
      const sub = await freshSubscription();
      const alerts = settledAlerts(sub, 3).sort(byChange);
      await upsertAlerts(harness.database, alerts);
      const response = await exportPage(sub, { format: 'ocsf' });
      expect(response.status).toBe(200);
      const body = response.jsonBody as JsonExport<OcsfDetectionFinding>;
      expect(body).toMatchObject({ format: 'ocsf', ocsfSchemaVersion: OCSF_SCHEMA_VERSION, hasMore: false });
      expect(body.value).toHaveLength(3);
      expect(body.value.map((record) => record.class_uid)).toEqual([2004, 2004, 2004]);
      expect(body.value.map((record) => record.finding_info.uid)).toEqual(alerts.map((a) => a.id));
      expect(body.value.map((record) => record.metadata.uid)).toEqual(alerts.map((a) => `${a.id}:${a.version}`));
    });
  });

  describe('node alerts', () => {
    it('when a node alert is exported, then json serves it whole, cef names the node, process and remote end, and ocsf its device and process', async () => {
      const sub = await freshSubscription();
      const alert: Alert = {
        ...nodeAlert({ remote: { address: '198.51.100.7', port: 3333 } }),
        subscriptionId: sub,
        lastModifiedUtc: new Date(Date.now() - 60_000).toISOString(),
        ingestedThrough: { 'node-events/0': 5 },
      };
      await upsertAlerts(harness.database, [alert]);

      const { ingestedThrough: _ingestedThrough, ...expected } = alert;
      expect((await exportJson(sub)).value).toEqual([expected]);

      const cef = await exportPage(sub, { format: 'cef' });
      const line = (cef.body as string).trimEnd();
      expect(line).toMatch(/^CEF:0\|Argus\|Argus\|[^|]*\|K8S\.NODE_FixtureActivity\|/);
      for (const field of ['dvchost=aks-nodepool1-12345678-vmss000000', 'shost=aks-nodepool1-12345678-vmss000000', 'dst=198.51.100.7', 'dpt=3333', 'sproc=/usr/bin/curl', 'spid=4242']) {
        expect(line).toContain(` ${field} `);
      }
      expect(line).toContain(' ArgusArgusCommandLine=/usr/bin/curl -s http://203.0.113.50/x.sh');
      expect(line).not.toContain(' src=');

      const ocsf = (await exportPage(sub, { format: 'ocsf' })).jsonBody as JsonExport<OcsfDetectionFinding>;
      expect(ocsf.value[0]?.evidences?.[0]).toMatchObject({
        device: { hostname: 'aks-nodepool1-12345678-vmss000000' },
        process: { name: 'curl', pid: 4242, parent_process: { name: 'sh' } },
        dst_endpoint: { ip: '198.51.100.7', port: 3333 },
      });
    });
  });

  describe('bad parameters', () => {
    it.each([
      ['format', { format: 'xml' }],
      ['top', { top: '0' }],
      ['top', { top: String(MAX_EXPORT_PAGE_SIZE + 1) }],
      ['top', { top: '5000' }],
      ['top', { top: 'ten' }],
      ['cursor', { cursor: 'garbage' }],
      ['cursor', { cursor: 'not a cursor!' }],
      ['cursor', { cursor: Buffer.from(JSON.stringify({ v: 2, m: '', i: '' })).toString('base64url') }],
      ['cursor', { cursor: Buffer.from(JSON.stringify({ v: 1, m: '', i: 'some-id' })).toString('base64url') }],
      ['since', { since: '2026-01-01T00:00:00Z' }],
    ])('when %s is %p, then it is 400 naming it', async (name, query) => {
      const sub = await freshSubscription();
      expectInvalidParameter(await exportPage(sub, query), name);
    });

    it('when top is the maximum, then it is accepted', async () => {
      const sub = await freshSubscription();
      expect((await exportPage(sub, { top: String(MAX_EXPORT_PAGE_SIZE) })).status).toBe(200);
    });
  });

  describe('authorization', () => {
    it('when there is no token, then it is 401', async () => {
      const sub = await freshSubscription();
      expect((await exportPage(sub, {}, null)).status).toBe(401);
    });

    it('when the caller has no role anywhere, then it is 403', async () => {
      const sub = await freshSubscription();
      const response = await exportPage(sub, {}, nobody);
      expect(response.status).toBe(403);
      expect(response.jsonBody).toMatchObject({ error: { code: 'Forbidden' } });
    });

    it("when the caller is Owner of another subscription only, then this subscription's export is 403", async () => {
      const sub = await freshSubscription();
      await harness.grant(OTHER_SUB, stranger, 'Owner');
      await upsertAlerts(harness.database, settledAlerts(sub, 2));
      const response = await exportPage(sub, {}, stranger);
      expect(response.status).toBe(403);
      expect(response.jsonBody).not.toHaveProperty('value');
    });

    it.each([
      ['SecurityAdmin', admin],
      ['Owner', owner],
    ])('when the caller is %s, then it is 200', async (_role, caller) => {
      const sub = await freshSubscription();
      expect((await exportPage(sub, {}, caller)).status).toBe(200);
    });

    it('when a service principal (app-only token) is granted SecurityReader, then it is 200 with the alerts; without the grant, 403', async () => {
      const sub = await freshSubscription();
      const alerts = settledAlerts(sub, 2);
      await upsertAlerts(harness.database, alerts);
      expect((await exportPage(sub, {}, siemApp)).status).toBe(403);
      await harness.grant(sub, siemApp, 'SecurityReader');
      const body = (await exportPage(sub, {}, siemApp)).jsonBody as JsonExport;
      expect(body.value.map((a) => a.id).sort()).toEqual(alerts.map((a) => a.id).sort());
    });

    it("when two subscriptions have alerts, then each export has only its own subscription's alerts", async () => {
      const sub = await freshSubscription();
      const other = await freshSubscription();
      const ours = settledAlerts(sub, 6);
      const theirs = settledAlerts(other, 4);
      await upsertAlerts(harness.database, [...ours, ...theirs]);

      const exportedOurs = await exportAll(sub, 3);
      expect(exportedOurs.alerts.map((a) => a.id).sort()).toEqual(ours.map((a) => a.id).sort());
      expect(exportedOurs.alerts.every((a) => a.subscriptionId === sub)).toBe(true);
      const exportedTheirs = await exportAll(other, 1000);
      expect(exportedTheirs.alerts.map((a) => a.id).sort()).toEqual(theirs.map((a) => a.id).sort());

      // A cursor of one subscription used on another reads the other's changes only.
      const crossed = await exportJson(other, { cursor: encodeExportCursor({ lastModifiedUtc: '', id: '' }) });
      expect(crossed.value.every((a) => a.subscriptionId === other)).toBe(true);
    });
  });
});
