import { exportAlertCount, pushEventCount, runExportBenchmark } from '../../bench/exportThroughput';
import { main } from '../../bench/runBenchmarks';

/** The cells of the table row that starts with `name` (cells are separated by two spaces or more). */
function rowOf(lines: readonly string[], name: string): string[] {
  const line = lines.find((candidate) => candidate.startsWith(name));
  if (line === undefined) throw new Error(`no row ${name}`);
  return line.split(/\s{2,}/);
}

describe('exportThroughput', () => {
  it('when given few events, then it still formats and pages 500 alerts and pushes 200, and a fifth and a twentieth of many', () => {
    expect([exportAlertCount(3000), pushEventCount(3000)]).toEqual([600, 200]);
    expect([exportAlertCount(100), pushEventCount(100)]).toEqual([500, 200]);
    expect([exportAlertCount(50_000), pushEventCount(50_000)]).toEqual([10_000, 2_500]);
  });

  it('when run at the smallest size, then every alert is paged out at both page sizes and every push is delivered', async () => {
    const lines: string[] = [];
    await runExportBenchmark({ events: 500, seed: 1, rounds: 1 }, (line) => lines.push(...line.split('\n')));

    expect(lines.join('\n')).not.toContain('WARNING');
    for (const format of ['json', 'cef', 'ocsf']) expect(rowOf(lines, `${format}: toExportRecord`).at(-1)).toMatch(/^\d+\.\d\d$/);
    for (const top of [100, 1000]) {
      // 500 alerts: 5 pages of 100, 1 of 1000, for the export and for the alert list alike.
      expect(rowOf(lines, `export: queryAlertChanges, top ${top}`)[1]).toBe(top === 100 ? '5' : '1');
      expect(rowOf(lines, `baseline: queryAlerts (alert list), top ${top}`)[1]).toBe(top === 100 ? '5' : '1');
    }
    // The `failed` column: deliveries that did not get a 200.
    expect(rowOf(lines, 'push: deliverExportChanges')[6]).toBe('0');
    expect(rowOf(lines, 'baseline: http.request POST, keep-alive')[6]).toBe('0');
  }, 120_000);

  it('when --only names a benchmark that does not exist, then the usage names the export benchmark and the exit code is 2', async () => {
    const written: string[] = [];
    const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => (written.push(String(chunk)), true));
    try {
      expect(await main(['--only', 'exports'])).toBe(2);
    } finally {
      write.mockRestore();
    }
    expect(written.join('')).toContain('--only takes detection, ingestion, export');
  });
});
