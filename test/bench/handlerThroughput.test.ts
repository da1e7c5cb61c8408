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
      code = await main(['--only', 'handler', '--events', '2000', '--rounds', '1', '--sustained-rate', '50', '--sustained-minutes', '1']);
    } finally {
      write.mockRestore();
    }
    const lines = written.join('').split('\n');

    expect(code).toBe(0);
    const quiet = /^store requests per 10k attack-free events: (\d+\.\d)$/.exec(lines.find((line) => line.startsWith('store requests per 10k attack-free events:')) ?? '');
    expect(quiet).not.toBeNull();
    expect(lines).toContainEqual(expect.stringMatching(/^store requests per 10k attack-free events, small messages \(one record per message\): \d+\.\d$/));
    // Lines 2: the timing table, then the request table of the first delivery.
    const requestRows = lines.filter((line) => line.startsWith('attack-free, 64 per batch'));
    expect(requestRows).toHaveLength(2);
    expect(lines).toContainEqual(expect.stringMatching(/^first delivery .*store requests per 10k attack-free events: \d+\.\d; small messages: \d+\.\d$/));
    // The headline is the sustained-rate table's attack-free total (to one decimal), measured after a minute of warm-up.
    const sustainedRow = lines.find((line) => /^attack-free {2,}50 {2,}/.test(line));
    expect(sustainedRow).toBeDefined();
    const sustainedCells = (sustainedRow as string).split(/\s{2,}/);
    expect(Number(sustainedCells[2])).toBeGreaterThan(2000);
    expect(Math.abs(Number(sustainedCells[5]) - Number(quiet?.[1]))).toBeLessThanOrEqual(0.05);
    expect(lines.filter((line) => /^attack-free, (small messages|a tenth of the rate) {2,}\d+ {2,}/.test(line))).toHaveLength(2);
    // The SDK saw requests (the counting plugin is wired), and the usage store is among them.
    expect(Number(rowOf([requestRows[1] as string], 'attack-free, 64 per batch').at(-1))).toBeGreaterThan(0);
    expect(rowOf([requestRows[1] as string], 'attack-free, 64 per batch')[4]).not.toBe('0.0+0.0');
    for (const pass of ['1% attacks, 64 per batch', 'attack-free, small messages, 64 per batch', 'attack-free, small messages, 256 per batch', 'attack-free, small messages, 1000 per batch']) {
      expect(lines.filter((line) => line.startsWith(pass))).toHaveLength(2);
    }
    for (const pass of ['steady, attack-free, 64 per batch', 'steady, 1% attacks, 64 per batch']) {
      expect(lines.filter((line) => line.startsWith(pass))).toHaveLength(2);
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^target: handler/baseline >= 0\\.5 \\(${pass}\\) -> (MET|NOT MET) \\(\\d+\\.\\d\\d\\)$`)));
    }
    expect(lines).toContainEqual(expect.stringMatching(/^target: store requests per 10k attack-free events <= 2 \(sustained 50 events\/s\) -> (MET|NOT MET)/));
  }, 180_000);
});
