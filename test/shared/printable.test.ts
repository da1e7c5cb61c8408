import { parseSuppressionRuleBody } from '../../shared/alerts/suppressionRule';
import { parseThreatIntelSetBody } from '../../shared/intel/threatIntelSet';
import { printable } from '../../shared/printable';

describe('printable: caller text echoed in messages', () => {
  it('when the text has control characters and is long, then they show as ? and it is cut at the bound', () => {
    expect(printable(`a\u0000b\nc\u007f${'x'.repeat(100)}`)).toBe(`a?b?c?${'x'.repeat(58)}...`);
    expect(printable('short')).toBe('short');
  });

  it('when a threat-intel set or a suppression rule has an unknown field with a hostile name, then the 400 message quotes it bounded and cleaned (found by the fuzz suite)', () => {
    const hostile = `\u001b[31m${'k'.repeat(10_000)}`;
    const set = parseThreatIntelSetBody({ [hostile]: 1 });
    expect(set.ok).toBe(false);
    expect(!set.ok && set.message.length).toBeLessThan(200);
    expect(!set.ok && set.message).not.toContain('\u001b');
    const rule = parseSuppressionRuleBody({ [hostile]: 1 }, new Date('2026-12-04T00:00:00Z'));
    expect(!rule.ok && rule.message.length).toBeLessThan(200);
    expect(!rule.ok && rule.message).not.toContain('\u001b');
  });
});
