import { createProgressBar, progressLine } from '../../local/progressBar';

const MIB = 1024 * 1024;

describe('progressBar', () => {
  function terminal(columns = 80): { stream: { write(text: string): void; isTTY: boolean; columns: number }; written: string[] } {
    const written: string[] = [];
    return { stream: { write: (text: string) => void written.push(text), isTTY: true, columns }, written };
  }

  it('when less than the redraw interval has passed, then nothing is drawn (quick scans stay quiet)', () => {
    let now = 0;
    const { stream, written } = terminal();
    const bar = createProgressBar({ stream, totalBytes: 10 * MIB, elapsedInMs: () => now });

    now = 99;
    bar.update(MIB, 1000);
    bar.finish();

    expect(written).toEqual([]);
  });

  it('when updates come faster than ten a second, then it redraws at most every 100 ms, in place', () => {
    let now = 0;
    const { stream, written } = terminal();
    const bar = createProgressBar({ stream, totalBytes: 10 * MIB, elapsedInMs: () => now });

    for (let step = 1; step <= 20; step++) {
      now = step * 25;
      bar.update(step * 0.25 * MIB, step * 1000);
    }

    expect(written).toHaveLength(5);
    expect(written.every((text) => text.startsWith('\r'))).toBe(true);
    expect(written.at(-1)).toBe('\r[###############...............]   50%  5.0/10.0 MiB  40,000 events/s');
  });

  it('when finished after drawing, then the line is blanked and the cursor is back at its start', () => {
    let now = 0;
    const { stream, written } = terminal();
    const bar = createProgressBar({ stream, totalBytes: 10 * MIB, elapsedInMs: () => now });
    now = 200;
    bar.update(MIB, 10);

    bar.finish();

    const drawn = written[0] ?? '';
    expect(written[1]).toBe(`\r${' '.repeat(drawn.length - 1)}\r`);
  });

  it('when the total is unknown (standard input), then it shows the bytes read and the rate without a percentage', () => {
    expect(progressLine({ bytesRead: 3 * MIB, events: 4500, elapsedInMs: 1500, width: 79 })).toBe('3.0 MiB read  3,000 events/s');
  });

  it('when the terminal is narrow, then the line fits in it', () => {
    const line = progressLine({ bytesRead: 5 * MIB, totalBytes: 10 * MIB, events: 1_234_567, elapsedInMs: 1000, width: 39 });
    expect(line.length).toBeLessThanOrEqual(39);
    expect(line).toContain('50%');
  });
});
