import { checkWebhookUrl } from '../../../shared/export/webhookUrl';

const production = { local: false };
const local = { local: true };

function problemOf(text: string, options = production): string | undefined {
  const result = checkWebhookUrl(text, options);
  return result.ok ? undefined : result.problem;
}

describe('checkWebhookUrl', () => {
  it.each([
    ['decimal IPv4 loopback', 'https://2130706433/hook', /loopback/],
    ['hex IPv4 loopback', 'https://0x7f.1/hook', /loopback/],
    ['shortened IPv4 loopback', 'https://127.1/hook', /loopback/],
    ['octal IPv4 loopback', 'https://0177.0.0.1/hook', /loopback/],
    ['zero address', 'https://0/hook', /unspecified/],
    ['IPv6 loopback', 'https://[::1]/hook', /loopback/],
    ['IPv6 loopback written in full', 'https://[0:0:0:0:0:0:0:1]/hook', /loopback/],
    ['IPv4-mapped IPv6 loopback', 'https://[::ffff:127.0.0.1]/hook', /IPv4-mapped.*loopback/],
    ['IPv4-compatible IPv6 loopback', 'https://[::127.0.0.1]/hook', /IPv4-compatible.*loopback/],
    ['NAT64 metadata address', 'https://[64:ff9b::169.254.169.254]/hook', /NAT64.*link-local/],
    ['cloud metadata address', 'https://169.254.169.254/metadata/instance', /link-local/],
    ['Azure wireserver', 'https://168.63.129.16/', /wireserver/],
    ['private address', 'https://10.0.0.4:8443/hook', /private/],
    ['localhost', 'https://localhost/hook', /local, internal or cloud metadata/],
    ['localhost with a trailing dot', 'https://localhost./hook', /local, internal or cloud metadata/],
    ['upper-case localhost', 'https://LOCALHOST/hook', /local, internal or cloud metadata/],
    ['a .localhost name', 'https://api.localhost/hook', /local, internal or cloud metadata/],
    ['GCP metadata name', 'https://metadata.google.internal/computeMetadata/v1/', /local, internal or cloud metadata/],
    ['bare metadata name', 'https://metadata/', /local, internal or cloud metadata/],
    ['an .internal name', 'https://soar.corp.internal/hook', /local, internal or cloud metadata/],
    ['a single-label name', 'https://kubernetes/hook', /fully qualified/],
    ['user name and password', 'https://user:pass@soar.example.com/hook', /user name or password/],
    ['user name only', 'https://user@soar.example.com/hook', /user name or password/],
    ['http in production', 'http://soar.example.com/hook', /https:/],
    ['another scheme', 'ftp://soar.example.com/hook', /https:/],
    ['a fragment', 'https://soar.example.com/hook#token', /fragment/],
    ['an empty fragment', 'https://soar.example.com/hook#', /fragment/],
    ['a relative URL', '/hook', /absolute URL/],
    ['not a URL', 'not a url', /absolute URL/],
    ['an overlong URL', `https://soar.example.com/${'a'.repeat(2048)}`, /at most 2048/],
  ])('when the target has %s, then it is refused with a problem naming why', (_situation, text, problem) => {
    expect(problemOf(text)).toMatch(problem);
  });

  it('when a target is refused, then the problem does not repeat the URL or its token', () => {
    expect(problemOf('http://soar.example.com/hook?token=s3cr3t')).not.toMatch(/s3cr3t|soar\.example\.com/);
  });

  it.each([
    ['https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-10-01&sig=xyz'],
    ['https://example.tines.com/webhook/1234/abcd'],
    ['https://soar.example.com:8443/rest/container'],
    ['https://8.8.8.8/hook'],
    ['https://[2606:4700:4700::1111]/hook'],
  ])('when the target is the public https URL %s, then it is accepted as a URL', (text) => {
    const result = checkWebhookUrl(text, production);
    expect(result).toEqual({ ok: true, url: new URL(text) });
  });

  it('when local mode targets http://127.0.0.1, then it is accepted', () => {
    expect(checkWebhookUrl('http://127.0.0.1:8089/', local)).toEqual({ ok: true, url: new URL('http://127.0.0.1:8089/') });
  });

  it('when local mode targets https://localhost, then it is accepted', () => {
    expect(problemOf('https://localhost:8443/hook', local)).toBeUndefined();
  });

  it('when local mode targets a URL with a password, then it is still refused', () => {
    expect(problemOf('http://user:pass@127.0.0.1:8089/', local)).toMatch(/user name or password/);
  });

  it('when local mode targets another scheme, then it is refused', () => {
    expect(problemOf('file:///etc/passwd', local)).toMatch(/https: or http:/);
  });
});
