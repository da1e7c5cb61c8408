import { median, pairedRatios, type Timing } from '../../bench/measurements';

const timing = (wallInMs: number): Timing => ({ wallInMs, cpuInMs: wallInMs });

describe('measurements', () => {
  it('when a slow spell of the machine covers some rounds, then the ratio pairs each round floor with its own full pass', () => {
    // Round 2's full pass and all of round 3 ran slow: each round's own ratio is about 0.5 but for round 2.
    const floor = [timing(100), timing(120), timing(400)];
    const full = [timing(200), timing(800), timing(850)];
    const ratios = pairedRatios(floor, full, (time) => time.wallInMs);
    expect(ratios.map((ratio) => Number(ratio.toFixed(2)))).toEqual([0.5, 0.15, 0.47]);
    expect(median(ratios)).toBeCloseTo(0.47, 2);
    // The medians of each pass taken apart pair round 2's floor with round 2's slow full pass.
    expect(median(floor.map((time) => time.wallInMs)) / median(full.map((time) => time.wallInMs))).toBeCloseTo(0.15, 2);
  });
});
