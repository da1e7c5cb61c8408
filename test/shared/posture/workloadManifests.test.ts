import { readWorkloadManifests } from '../../../shared/posture/workloadManifests';

describe('readWorkloadManifests', () => {
  it('when Helm-rendered output has separators, Source comments and empty documents, then every object is read with its document, line and template', () => {
    const text = [
      '---',
      '# Source: shop/templates/serviceaccount.yaml',
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata:',
      '  name: shop',
      '---',
      '# Source: shop/templates/disabled.yaml',
      '---',
      '# Source: shop/templates/deployment.yaml',
      'apiVersion: apps/v1',
      'kind: Deployment',
      'metadata: {name: shop, namespace: web}',
      '',
    ].join('\n');
    const result = readWorkloadManifests(text);
    expect(result.problems).toEqual([]);
    expect(result.skipped).toEqual([]);
    expect(result.items.map((item) => [item.object['kind'], item.document, item.line, item.helmSource])).toEqual([
      ['ServiceAccount', 1, 3, 'shop/templates/serviceaccount.yaml'],
      ['Deployment', 3, 11, 'shop/templates/deployment.yaml'],
    ]);
  });

  it('when one YAML document is broken, then it is a problem with its document and line and the others are still read', () => {
    const text = 'kind: Pod\nmetadata:\n  name: a\n---\nkind: Pod\nmetadata:\n  name: [b\n---\nkind: Pod\nmetadata:\n  name: c\n';
    const result = readWorkloadManifests(text);
    expect(result.items.map((item) => (item.object['metadata'] as { name: string }).name)).toEqual(['a', 'c']);
    expect(result.problems.length).toBeGreaterThan(0);
    expect(result.problems[0]).toMatchObject({ document: 2, line: expect.any(Number) as number });
    expect(result.problems[0]?.line).toBeGreaterThanOrEqual(7);
    expect(result.problems[0]?.message).not.toContain('\n');
  });

  it('when a document repeats a key, then it is a problem, not a silent last-wins', () => {
    const result = readWorkloadManifests('kind: Pod\nmetadata:\n  name: a\n  name: b\n');
    expect(result.items).toEqual([]);
    expect(result.problems).toEqual([expect.objectContaining({ document: 1, line: 4 })]);
  });

  it('when given kubectl get -o json output, then the List and typed lists are unwrapped with item indexes', () => {
    const list = { apiVersion: 'v1', kind: 'List', items: [{ kind: 'Pod', metadata: { name: 'p' } }, { kind: 'ServiceList', items: [{ kind: 'Service', metadata: { name: 's' } }] }] };
    const result = readWorkloadManifests(`\n${JSON.stringify(list, null, 2)}`);
    expect(result.problems).toEqual([]);
    expect(result.items.map((item) => [item.object['kind'], item.item, item.line])).toEqual([
      ['Pod', 0, 2],
      ['Service', 0, 2],
    ]);
  });

  it('when given a DeploymentList in YAML and a JSON array, then both are unwrapped', () => {
    expect(readWorkloadManifests('kind: DeploymentList\nitems:\n- kind: Deployment\n- kind: Deployment\n').items).toHaveLength(2);
    expect(readWorkloadManifests('[{"kind":"Pod"},{"kind":"Service"}]').items.map((item) => item.object['kind'])).toEqual(['Pod', 'Service']);
  });

  it('when a document is not a Kubernetes object (a values file, a scalar, a list entry without kind), then it is skipped with the reason', () => {
    const result = readWorkloadManifests('replicaCount: 2\n---\njust text\n---\n- kind: Pod\n- 3\n');
    expect(result.items).toHaveLength(1);
    expect(result.skipped.map((skip) => [skip.document, skip.item, skip.reason])).toEqual([
      [1, undefined, 'no kind (not a Kubernetes object)'],
      [2, undefined, 'not an object (string)'],
      [3, 1, 'not an object (number)'],
    ]);
  });

  it('when JSON text is broken, then the problem names its line', () => {
    const result = readWorkloadManifests('{\n  "kind": "Pod",\n  "metadata": {"name": "a"\n\n');
    expect(result.items).toEqual([]);
    expect(result.problems[0]).toMatchObject({ document: 1, line: expect.any(Number) as number });
  });

  it('when the text is YAML in flow style (not JSON), then it is still read', () => {
    expect(readWorkloadManifests('{kind: Pod, metadata: {name: a}}').items).toHaveLength(1);
  });

  it('when aliases expand past the limit (a billion laughs), then it is a problem, not a hang', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]', 'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]', 'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]', 'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]', 'kind: Pod'].join('\n');
    const result = readWorkloadManifests(bomb);
    expect(result.items).toEqual([]);
    expect(result.problems).toHaveLength(1);
  });

  it('when the text is empty, comments only, or starts with a byte order mark, then nothing is a problem', () => {
    expect(readWorkloadManifests('')).toEqual({ items: [], problems: [], skipped: [] });
    expect(readWorkloadManifests('# nothing\n---\n---\n')).toEqual({ items: [], problems: [], skipped: [] });
    expect(readWorkloadManifests('\uFEFFkind: Pod\n').items).toHaveLength(1);
  });
});
