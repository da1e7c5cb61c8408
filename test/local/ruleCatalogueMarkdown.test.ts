import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defineNodeRule, type NodeRule, policyListsOf, type Rule } from '../../shared/detection/rule';
import { allRules, auditRules, nodeRules } from '../../shared/detection/rules';
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
      expect(markdown).toContain(`\n### ${rule.id}\n`);
    }
    expect(markdown).toContain('| `K8S_ExposedDashboard` | High | Defender |');
  });

  it('when the catalogue is rendered, then each signal has its section with its total, and every rule sits in its own signal\'s section', () => {
    const markdown = renderRuleCatalogueMarkdown(allRules);
    const nodeStart = markdown.indexOf('\n## Node plane: ');
    expect(markdown).toContain(`${allRules.length} rules: ${auditRules.length} rules over the Kubernetes audit log`);
    expect(markdown).toContain(`\n## Audit plane: ${auditRules.length} rules\n`);
    expect(markdown).toContain(`\n## Node plane: ${nodeRules.length} rule${nodeRules.length === 1 ? '' : 's'}\n`);
    expect(markdown.indexOf('\n## Audit plane: ')).toBeLessThan(nodeStart);
    for (const rule of auditRules) expect(markdown.indexOf(`\n### ${rule.id}\n`)).toBeLessThan(nodeStart);
    for (const rule of nodeRules) expect(markdown.indexOf(`\n### ${rule.id}\n`)).toBeGreaterThan(nodeStart);
  });

  it('when a node rule is rendered, then its row and section name the event types it reads and the Falco rules whose alerts raise it', () => {
    const [plain] = auditRules as [Rule];
    const node: NodeRule = defineNodeRule({
      id: 'node-probe',
      alertType: 'K8S.NODE_Probe',
      displayName: 'Probe',
      description: 'A probe.',
      severity: 'Medium',
      intent: 'Execution',
      techniques: ['T1059'],
      remediation: ['None.'],
      falsePositives: ['None.'],
      references: ['https://tetragon.io/docs/'],
      equivalents: { defender: [], falco: ['Terminal shell in container', 'Run shell untrusted'], guardDuty: [], elastic: [] },
      eventTypes: ['process_exec', 'process_kprobe'],
      match: () => false,
      entities: () => [],
      dedupKey: () => '',
      examples: [],
    });
    const anyType: NodeRule = { ...node, id: 'node-any', eventTypes: undefined, equivalents: { ...node.equivalents, falco: [] } };
    const markdown = renderRuleCatalogueMarkdown([plain, node, anyType]);
    expect(markdown).toContain('| Rule | Alert type | Severity | Severity from | Intent | Event types | Techniques |');
    expect(markdown).toContain('| [node-probe](#node-probe) | `K8S.NODE_Probe` | ');
    expect(markdown).toMatch(/\| process_exec; process_kprobe \| [^|]+ \| – \| Terminal shell in container; Run shell untrusted \|/);
    expect(markdown).toContain('Reads: `process_exec`, `process_kprobe`. Falco alerts of "Terminal shell in container", "Run shell untrusted" raise it directly.');
    expect(markdown).toContain('| [node-any](#node-any) | `K8S.NODE_Probe` | ');
    expect(markdown).toContain('Reads: every node event type.\n');
    expect(markdown).toContain('3 rules: 1 rule over the Kubernetes audit log (the audit plane) and 2 rules over');
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
