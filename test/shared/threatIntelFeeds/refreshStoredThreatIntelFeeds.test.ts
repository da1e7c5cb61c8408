import { readFileSync } from 'node:fs';
import { type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import { type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { type ThreatIntelFeed } from '../../../shared/intel/threatIntelFeed';
import { fetchThreatIntelFeed, type FetchThreatIntelFeedOptions } from '../../../shared/threatIntelFeeds/fetchThreatIntelFeed';
import { refreshStoredThreatIntelFeeds } from '../../../shared/threatIntelFeeds/refreshStoredThreatIntelFeeds';
import { listThreatIntelFeeds, type ThreatIntelFeedDocument } from '../../../shared/store/threatIntelFeedStore';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/** The self-signed (and expired) certificate shipped with @vercel/cosmosdb-server, pinned as the webhook tests do. */
function readServerCertificate(): { cert: Buffer; key: Buffer } {
  const packageRoot = join(dirname(require.resolve('@vercel/cosmosdb-server')), '..');
  return { cert: readFileSync(join(packageRoot, 'cert.pem')), key: readFileSync(join(packageRoot, 'key.pem')) };
}

/** The head of the Tor Project's bulk exit list (https://check.torproject.org/torbulkexitlist), as a stored copy has it. */
const TOR_BULK_EXIT_LIST = ['93.95.230.253', '23.184.48.209', '185.244.195.103', '185.220.101.18', '23.128.248.60', ''].join('\n');

/** A blocklist in the `lines` format with comments, a Spamhaus-DROP-style trailing comment, and lines that are not entries. */
const BLOCKLIST = [
  '# Compromised hosts, generated 2026-12-01',
  '45.9.148.35',
  '1.10.16.0/20 ; SBL256894',
  'not-an-address',
  '10.0.0.0/8',
  '198.51.100.7/24',
  '',
  '45.9.148.35',
].join('\n');

const { cert, key } = readServerCertificate();
type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let cosmos: TestCosmos;
let server: Server;
let handler: Handler = (_req, res) => res.end(TOR_BULK_EXIT_LIST);
let origin = '';
let port = 0;

beforeAll(async () => {
  cosmos = await startTestCosmos();
  server = createServer({ cert, key }, (req, res) => handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  origin = `https://127.0.0.1:${port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await cosmos.close();
});
beforeEach(async () => {
  // Every test starts without stored feeds (the container is global).
  await refreshStoredThreatIntelFeeds({ database: cosmos.database, feeds: [], fetch: fetchOptions(), now: () => NOW });
  handler = (_req, res) => res.end(TOR_BULK_EXIT_LIST);
});

const NOW = new Date('2026-12-04T06:15:00.000Z');

/** The test server is allow-listed, and allowed to be on 127.0.0.1; `localhost` is allow-listed but not for private addresses. */
function fetchOptions(overrides: Partial<FetchThreatIntelFeedOptions> = {}): FetchThreatIntelFeedOptions {
  return { allowedHosts: ['127.0.0.1', 'localhost'], privateAddressHosts: ['127.0.0.1'], userAgent: 'Argus-ThreatIntel/test', ca: cert, timeoutInMs: 5_000, ...overrides };
}

const torFeed = (path = '/torbulkexitlist'): ThreatIntelFeed => ({ name: 'tor-bulk-exit-list', url: `${origin}${path}`, kind: 'tor-exit', format: 'lines' });

function refresh(feeds: ThreatIntelFeed[], overrides: Partial<FetchThreatIntelFeedOptions> = {}, now: Date = NOW) {
  return refreshStoredThreatIntelFeeds({ database: cosmos.database, feeds, fetch: fetchOptions(overrides), now: () => now });
}

async function storedEtag(name: string): Promise<string | undefined> {
  const { resource } = await cosmos.database.container('threatIntelFeeds').item(name, name).read<ThreatIntelFeedDocument & { _etag: string }>();
  return resource?._etag;
}

describe('refreshStoredThreatIntelFeeds', () => {
  it('when a Tor exit feed is fetched, then its addresses are stored with source, fetch time, count and sha256', async () => {
    const result = await refresh([torFeed()]);

    expect(result.outcomes).toEqual([{ name: 'tor-bulk-exit-list', kind: 'updated', entryCount: 5, skippedLines: 0, droppedEntries: 0 }]);
    const [stored, ...others] = await listThreatIntelFeeds(cosmos.database);
    expect(others).toEqual([]);
    expect(stored).toMatchObject({
      id: 'tor-bulk-exit-list',
      kind: 'tor-exit',
      source: `${origin}/torbulkexitlist`,
      ips: ['93.95.230.253', '23.184.48.209', '185.244.195.103', '185.220.101.18', '23.128.248.60'],
      entryCount: 5,
      fetchedUtc: NOW.toISOString(),
    });
    expect(stored?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.lastError).toBeUndefined();
  });

  it('when the content has not changed, then nothing is written', async () => {
    await refresh([torFeed()]);
    const before = await storedEtag('tor-bulk-exit-list');

    const result = await refresh([torFeed()], {}, new Date('2026-12-04T12:15:00.000Z'));

    expect(result.outcomes).toEqual([{ name: 'tor-bulk-exit-list', kind: 'unchanged' }]);
    expect(await storedEtag('tor-bulk-exit-list')).toBe(before);
    expect((await listThreatIntelFeeds(cosmos.database))[0]?.fetchedUtc).toBe(NOW.toISOString());
  });

  it('when a feed streams more than the size cap, then it is refused with the error recorded and the previous content kept', async () => {
    await refresh([torFeed()]);
    handler = (_req, res) => {
      // Chunked, no Content-Length: the cap must hold while streaming.
      res.write(`${TOR_BULK_EXIT_LIST}${'#'.repeat(800)}\n`);
      res.end('#'.repeat(800));
    };

    const result = await refresh([torFeed()], { maxBytes: 1024 }, new Date('2026-12-04T12:15:00.000Z'));

    expect(result.outcomes).toEqual([{ name: 'tor-bulk-exit-list', kind: 'failed', reason: `https://127.0.0.1:${port} sent more than the 1024 bytes a feed may have` }]);
    const [stored] = await listThreatIntelFeeds(cosmos.database);
    expect(stored?.entryCount).toBe(5);
    expect(stored?.fetchedUtc).toBe(NOW.toISOString());
    expect(stored?.lastError).toEqual({ atUtc: '2026-12-04T12:15:00.000Z', message: `https://127.0.0.1:${port} sent more than the 1024 bytes a feed may have` });
  });

  it('when the feed answers too slowly, then the fetch is abandoned at the time cap', async () => {
    handler = (_req, res) => {
      setTimeout(() => res.end(TOR_BULK_EXIT_LIST), 2_000).unref();
    };

    const result = await refresh([torFeed()], { timeoutInMs: 300 });

    expect(result.outcomes).toEqual([{ name: 'tor-bulk-exit-list', kind: 'failed', reason: `https://127.0.0.1:${port} did not deliver the feed within 300 ms` }]);
    const [stored] = await listThreatIntelFeeds(cosmos.database);
    expect(stored).toMatchObject({ entryCount: 0, ips: [], sha256: '' });
    expect(stored?.lastError?.message).toBe(`https://127.0.0.1:${port} did not deliver the feed within 300 ms`);
  });

  it('when the feed host resolves to a loopback address and is not allowed one, then nothing is requested', async () => {
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      res.end(TOR_BULK_EXIT_LIST);
    };

    const byName = await fetchThreatIntelFeed(`https://localhost:${port}/torbulkexitlist`, fetchOptions());
    const byLiteral = await fetchThreatIntelFeed(`${origin}/torbulkexitlist`, fetchOptions({ privateAddressHosts: [] }));

    expect(byName).toMatchObject({ kind: 'failed', reason: `https://localhost:${port} refused: it resolves to a loopback address (127.0.0.0/8)` });
    expect(byLiteral).toMatchObject({ kind: 'failed', reason: `https://127.0.0.1:${port} refused: it is a loopback address (127.0.0.0/8)` });
    expect(requests).toBe(0);
  });

  it('when the feed redirects to a host resolving to a private address, then the redirect is refused', async () => {
    handler = (req, res) => {
      res.writeHead(302, { location: `https://localhost:${port}/internal${req.url ?? ''}` });
      res.end();
    };

    const fetched = await fetchThreatIntelFeed(`${origin}/torbulkexitlist`, fetchOptions());

    expect(fetched).toMatchObject({ kind: 'failed', reason: `https://localhost:${port} refused: it resolves to a loopback address (127.0.0.0/8)` });
  });

  it('when the feed or a redirect names a host that is not allow-listed, or is not https, then it is refused', async () => {
    handler = (_req, res) => {
      res.writeHead(301, { location: 'https://feeds.example.net/torbulkexitlist' });
      res.end();
    };

    expect(await fetchThreatIntelFeed(`${origin}/torbulkexitlist`, fetchOptions())).toMatchObject({
      kind: 'failed',
      reason: 'https://feeds.example.net refused: feeds.example.net is not in THREAT_INTEL_FEED_HOSTS',
    });
    expect(await fetchThreatIntelFeed(`http://127.0.0.1:${port}/torbulkexitlist`, fetchOptions())).toMatchObject({
      kind: 'failed',
      reason: `http://127.0.0.1:${port} refused: feeds are fetched over https only`,
    });
  });

  it('when a redirect stays on an allowed host, then it is followed', async () => {
    handler = (req, res) => {
      if (req.url === '/torbulkexitlist') {
        res.writeHead(302, { location: '/exit-addresses/bulk' });
        res.end();
      } else res.end(TOR_BULK_EXIT_LIST);
    };

    expect(await fetchThreatIntelFeed(`${origin}/torbulkexitlist`, fetchOptions())).toMatchObject({ kind: 'fetched', body: TOR_BULK_EXIT_LIST });
  });

  it('when an ip feed has comments, malformed, private and repeated lines, then the valid entries are stored and the refused lines counted', async () => {
    handler = (_req, res) => res.end(BLOCKLIST);

    const result = await refresh([{ name: 'compromised-hosts', url: `${origin}/compromised-ips.txt`, kind: 'ip', format: 'lines' }]);

    expect(result.outcomes).toEqual([{ name: 'compromised-hosts', kind: 'updated', entryCount: 2, skippedLines: 3, droppedEntries: 0 }]);
    const [stored] = await listThreatIntelFeeds(cosmos.database);
    expect(stored).toMatchObject({ ips: ['45.9.148.35'], cidrs: ['1.10.16.0/20'], skippedLines: 3 });
    expect(stored?.skippedExamples).toEqual([
      'line 4: is not an IPv4 or IPv6 address',
      expect.stringMatching(/^line 5: lies wholly in a private address/),
      'line 6: has host bits set: write its network address, 198.51.100.0/24',
    ]);
  });

  it('when a feed is no longer configured, then its stored content is deleted', async () => {
    await refresh([torFeed()]);

    const result = await refresh([]);

    expect(result.removed).toEqual(['tor-bulk-exit-list']);
    expect(await listThreatIntelFeeds(cosmos.database)).toEqual([]);
  });
});
