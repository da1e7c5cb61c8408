import { main } from '../../bench/runBenchmarks';

/** The cells of the table row that starts with `name` (cells are separated by two spaces or more). */
function rowOf(lines: readonly string[], name: string): string[] {
  const line = lines.find((candidate) => candidate.startsWith(name));
  if (line === undefined) throw new Error(`no row ${name}`);
  return line.split(/\s{2,}/);
}

describe('handlerThroughput', () => {
  it('when run with --only handler at the smallest size, then it prints every pass, the store request lines from the summaries and the targets', async () => {
    const written: string[] = [];
    const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    let code: number;
    try {
      code = await main(['--only', 'handler', '--events', '2000', '--rounds', '1']);
    } finally {
      write.mockRestore();
    }
    const lines = written.join('').split('\n');

    expect(code).toBe(0);
    const quiet = /^store requests per 10k attack-free events: (\d+\.\d)$/.exec(lines.find((line) => line.startsWith('store requests per 10k attack-free events:')) ?? '');
    expect(quiet).not.toBeNull();
    expect(lines).toContainEqual(expect.stringMatching(/^store requests per 10k attack-free events, small messages \(one record per message\): \d+\.\d$/));
    // Lines 2: the timing table, then the request table; the headline is the request table's total of the attack-free pass.
    const requestRows = lines.filter((line) => line.startsWith('attack-free, 64 per batch'));
    expect(requestRows).toHaveLength(2);
    expect(rowOf([requestRows[1] as string], 'attack-free, 64 per batch')[1]).toBe(quiet?.[1]);
    // The SDK saw requests (the counting plugin is wired), and the usage store is among them.
    expect(Number(rowOf([requestRows[1] as string], 'attack-free, 64 per batch').at(-1))).toBeGreaterThan(0);
    expect(rowOf([requestRows[1] as string], 'attack-free, 64 per batch')[4]).not.toBe('0.0+0.0');
    for (const pass of ['1% attacks, 64 per batch', 'attack-free, small messages, 64 per batch', 'attack-free, 256 per batch', 'attack-free, 1000 per batch']) {
      expect(lines.filter((line) => line.startsWith(pass))).toHaveLength(2);
    }
    expect(lines).toContainEqual(expect.stringMatching(/^target: handler\/baseline >= 0\.5 \(attack-free, 64 per batch\) -> (MET|NOT MET) \(\d+\.\d\d\)$/));
    expect(lines).toContainEqual(expect.stringMatching(/^target: store requests per 10k attack-free events <= 2 -> (MET|NOT MET)/));
  }, 180_000);
});
