import { readFileSync } from 'node:fs';
import path from 'node:path';
import { policyListsOf, type Rule } from '../../shared/detection/rule';
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

  it('when a rule alerts only with a policy list set, then its section says which list turns it on, and other rules say nothing of policy', () => {
    const [plain] = allRules as [Rule];
    const policy: Rule = {
      ...plain,
      id: 'policy-probe',
      examples: plain.examples.map((example) => (example.expect === 'alert' ? { ...example, lists: { disallowedUsers: ['x'] } } : example)),
    };
    expect(policyListsOf(policy)).toEqual(['disallowedUsers']);
    expect(policyListsOf(plain)).toEqual([]);
    const markdown = renderRuleCatalogueMarkdown([plain, policy]);
    expect(markdown).toContain('Policy rule: silent until `disallowedUsers` is set');
    expect(markdown.match(/Policy rule:/g)).toHaveLength(1);
  });
});
