import { statSync } from 'node:fs';
import { loadOrCreateSigningKey, signingKeyPath } from '../../local/localSigningKey';
import { createTemporaryDirectory } from '../support/temporaryDirectory';

describe('loadOrCreateSigningKey', () => {
  const dir = createTemporaryDirectory();
  afterAll(() => dir.remove());

  it('when called twice, then the key is generated once, kept private on disk, and loaded the second time', async () => {
    const first = await loadOrCreateSigningKey(dir.path);
    const second = await loadOrCreateSigningKey(dir.path);
    expect(second.kid).toBe(first.kid);
    expect(second.publicJwk).toEqual(first.publicJwk);
    expect(first.publicJwk).not.toHaveProperty('d');
    expect(statSync(signingKeyPath(dir.path)).mode & 0o077).toBe(0);
  });

  it('when the runtime and the token command create the key at the same moment, then both end up with the same key', async () => {
    const race = createTemporaryDirectory();
    try {
      const [a, b] = await Promise.all([loadOrCreateSigningKey(race.path), loadOrCreateSigningKey(race.path)]);
      expect(a.kid).toBe(b.kid);
    } finally {
      race.remove();
    }
  });
});
