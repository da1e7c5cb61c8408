import { emptyFoldRequestStats, foldIntoDocument } from '../../../shared/store/foldIntoDocument';
import { VersionedDocumentCache } from '../../../shared/store/versionedDocumentCache';
import { startTestCosmos, type TestCosmos } from '../../support/testCosmos';

/** The conditional read-modify-write every ingestion store folds through, with its cache and create-first options. */

interface Counter {
  id: string;
  subscriptionId: string;
  count: number;
}

const SUB = '5f000000-0000-4000-8000-000000000001';
const increment = (stored: Counter | undefined): Counter => ({ id: stored?.id ?? 'c', subscriptionId: SUB, count: (stored?.count ?? 0) + 1 });

describe('foldIntoDocument', () => {
  let cosmos: TestCosmos;
  beforeAll(async () => {
    cosmos = await startTestCosmos();
  });
  afterAll(async () => {
    await cosmos.close();
  });
  const container = () => cosmos.database.container('usage');

  it('when a document that does not exist is folded create-first, then it is created without a read', async () => {
    const stats = emptyFoldRequestStats();
    const outcome = await foldIntoDocument<Counter>(container(), 'new-one', SUB, (stored) => ({ ...increment(stored), id: 'new-one' }), stats, undefined, { createFirst: true });
    expect(outcome).toMatchObject({ kind: 'created', document: { count: 1 } });
    expect(stats).toEqual({ reads: 0, writes: 1, conflicts: 0 });
  });

  it('when a document that exists is folded create-first, then the refused create sends it to a read and a conditional replace, and nothing is lost', async () => {
    await foldIntoDocument<Counter>(container(), 'existing', SUB, (stored) => ({ ...increment(stored), id: 'existing' }), emptyFoldRequestStats());
    const stats = emptyFoldRequestStats();
    const outcome = await foldIntoDocument<Counter>(container(), 'existing', SUB, (stored) => ({ ...increment(stored), id: 'existing' }), stats, undefined, { createFirst: true });
    expect(outcome).toMatchObject({ kind: 'replaced', document: { count: 2 } });
    expect(stats).toEqual({ reads: 1, writes: 2, conflicts: 1 });
  });

  it('when the fold of an assumed-absent document writes nothing, then a read confirms what is stored before it answers unchanged', async () => {
    await foldIntoDocument<Counter>(container(), 'quiet', SUB, (stored) => ({ ...increment(stored), id: 'quiet' }), emptyFoldRequestStats());
    const stats = emptyFoldRequestStats();
    const outcome = await foldIntoDocument<Counter>(container(), 'quiet', SUB, () => undefined, stats, undefined, { createFirst: true });
    expect(outcome).toMatchObject({ kind: 'unchanged', document: { count: 1 } });
    expect(stats).toEqual({ reads: 1, writes: 0, conflicts: 0 });
  });

  it('when the cache knows the document, then create-first does not apply: the cached version is replaced without a read', async () => {
    const cache = new VersionedDocumentCache<Counter>(10, 60_000);
    await foldIntoDocument<Counter>(container(), 'cached', SUB, (stored) => ({ ...increment(stored), id: 'cached' }), emptyFoldRequestStats(), cache);
    const stats = emptyFoldRequestStats();
    const outcome = await foldIntoDocument<Counter>(container(), 'cached', SUB, (stored) => ({ ...increment(stored), id: 'cached' }), stats, cache, { createFirst: true });
    expect(outcome).toMatchObject({ kind: 'replaced', document: { count: 2 } });
    expect(stats).toEqual({ reads: 0, writes: 1, conflicts: 0 });
  });
});
