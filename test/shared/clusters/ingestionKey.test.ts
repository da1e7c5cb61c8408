import { generateIngestionKey, hashIngestionKey, parseIngestionKey } from '../../../shared/clusters/ingestionKey';

const SUB = '6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4';

describe('generateIngestionKey', () => {
  it('when a key is generated, then it names its registration, carries 32 random bytes, and its hash is SHA-256 hex of the whole key', () => {
    const issued = generateIngestionKey(SUB, 'kind-dev');
    const [version, subscriptionId, clusterName, secret] = issued.key.split('.');
    expect({ version, subscriptionId, clusterName }).toEqual({ version: 'argus1', subscriptionId: SUB, clusterName: 'kind-dev' });
    expect(Buffer.from(secret ?? '', 'base64url')).toHaveLength(32);
    expect(issued.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(issued.keyHash).toBe(hashIngestionKey(issued.key));
    expect(issued.keyId).toBe(secret?.slice(0, 8));
  });

  it('when two keys are generated for the same cluster, then they differ', () => {
    const keys = new Set(Array.from({ length: 50 }, () => generateIngestionKey(SUB, 'k3s-edge_1').key));
    expect(keys.size).toBe(50);
  });

  it('when the cluster name cannot be part of a key, then generating throws', () => {
    expect(() => generateIngestionKey(SUB, 'has.dot')).toThrow();
    expect(() => generateIngestionKey(SUB.toUpperCase(), 'ok')).toThrow();
  });
});

describe('parseIngestionKey', () => {
  const good = generateIngestionKey(SUB, 'kind-dev').key;

  it('when a generated key is parsed, then it gives the subscription and the cluster', () => {
    expect(parseIngestionKey(good)).toEqual({ key: good, subscriptionId: SUB, clusterName: 'kind-dev' });
  });

  it.each([
    ['empty', ''],
    ['another version', good.replace(/^argus1/, 'argus2')],
    ['no version', good.slice('argus1.'.length)],
    ['a bad subscription id', good.replace(SUB, 'not-a-guid')],
    ['upper case', good.replace('kind-dev', 'KIND-DEV')],
    ['a short secret', good.slice(0, -1)],
    ['a long secret', `${good}A`],
    ['padding', `${good}=`],
    ['surrounding space', ` ${good}`],
    ['an extra part', `${good}.x`],
    ['a JWT', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln'],
  ])('when the text has %s, then it is not a key', (_situation, text) => {
    expect(parseIngestionKey(text)).toBeUndefined();
  });

  it('when the last character of the secret sets bits beyond 32 bytes, then it is not a key', () => {
    const body = good.slice(0, -1);
    // Of the 64 base64url characters, only the 16 whose two low bits are zero are valid last characters.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const accepted = [...alphabet].filter((c) => parseIngestionKey(`${body}${c}`) !== undefined);
    expect(accepted).toHaveLength(16);
  });
});
