import { readFileSync } from 'node:fs';
import path from 'node:path';
import { allRules } from '../../shared/detection/rules';
import { renderRuleCatalogueMarkdown } from '../../local/ruleCatalogueMarkdown';

describe('docs/detections.md', () => {
  it('when the committed catalogue is compared with the rules, then it is up to date (run `npm run docs:rules` after changing a rule)', () => {
    const committed = readFileSync(path.join(__dirname, '../../docs/detections.md'), 'utf8');
    expect(committed).toBe(renderRuleCatalogueMarkdown(allRules));
  });

  it('when the catalogue is rendered, then every rule has a row and a section, and Defender severities are marked as such', () => {
    const markdown = renderRuleCatalogueMarkdown(allRules);
    for (const rule of allRules) {
      expect(markdown).toContain(`| [${rule.id}](#${rule.id}) | \`${rule.alertType}\` | ${rule.severity} |`);
      expect(markdown).toContain(`\n## ${rule.id}\n`);
    }
    expect(markdown).toContain('| `K8S_ExposedDashboard` | High | Defender |');
  });
});
