import { nodeDedupKey, nodeEventEntities } from '../../../shared/detection/nodeEntities';
import { defineNodeRule, type NodeRule, type Rule } from '../../../shared/detection/rule';
import { auditRules } from '../../../shared/detection/rules';
import { falcoAlertEvent, fileAccessEvent, processExecEvent } from '../../../shared/node/exampleNodeEvents';

/**
 * A node rule of the test's own, so the node half of the simulation is checked whatever the library holds:
 * a shell started by a web server, a read of /etc/shadow, or Falco's "Terminal shell in container".
 */
export const webShell: NodeRule = defineNodeRule({
  id: 'test-web-shell',
  alertType: 'K8S.NODE_TestWebShell',
  displayName: 'Test: shell started by a web server',
  description: 'A test rule.',
  severity: 'High',
  intent: 'Execution',
  techniques: ['T1505.003'],
  remediation: ['None.'],
  falsePositives: ['None.'],
  references: ['https://tetragon.io/docs/'],
  equivalents: { defender: [], falco: ['Terminal shell in container'], guardDuty: [], elastic: [] },
  eventTypes: ['process_exec', 'process_kprobe'],
  match: (event) =>
    (event.type === 'process_exec' && event.process.binary === '/bin/bash' && event.parent?.binary === '/usr/sbin/nginx') ||
    (event.type === 'process_kprobe' && event.hook?.args.some((arg) => arg.file?.path === '/etc/shadow') === true),
  entities: (event) => nodeEventEntities(event),
  dedupKey: (event) => nodeDedupKey(event),
  examples: [
    { name: 'reverse shell from nginx', expect: 'alert', event: processExecEvent({ binary: '/bin/bash', arguments: '-i', parent: { binary: '/usr/sbin/nginx' } }) },
    { name: 'shadow read', expect: 'alert', event: fileAccessEvent({ path: '/etc/shadow', process: { binary: '/bin/cat', arguments: '/etc/shadow' } }) },
    { name: 'falco terminal shell', expect: 'alert', event: falcoAlertEvent({ rule: 'Terminal shell in container' }) },
    { name: 'nginx itself', expect: 'none', event: processExecEvent({ binary: '/usr/sbin/nginx' }) },
  ],
});
/** The audit library with the test's node rule. */
export const withNodeRule: readonly Rule[] = [...auditRules, webShell];
