import { redactText } from '../../../shared/detection/redaction';

describe('redactText', () => {
  it.each([
    ['a service-account token', 'curl -H "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEyMyJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl" https://kubernetes', 'eyJhbGci'],
    ['a basic credential', 'curl -H "Authorization: Basic dXNlcjpwYXNz" http://x', 'dXNlcjpwYXNz'],
    ['a password flag', 'mysql -u root --password=Sup3rS3cret! db', 'Sup3rS3cret!'],
    ['a token flag with a space', 'kubectl --token abcdef123456 get pods', 'abcdef123456'],
    ['an env-style secret', 'export DB_PASSWORD=hunter2; ./run', 'hunter2'],
    ['a URL credential', 'git clone https://bob:t0ps3cret@github.com/x/y', 't0ps3cret'],
    ['an AWS access key', 'aws configure set aws_access_key_id AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ])('when the text holds %s, then the secret is gone', (_what, text, secret) => {
    const redacted = redactText(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('[REDACTED]');
  });

  it('when the text holds no secret, then it is unchanged', () => {
    expect(redactText('sh -c cat /etc/os-release')).toBe('sh -c cat /etc/os-release');
  });

  it('when the text is very long, then it is capped', () => {
    expect(redactText('a'.repeat(5000)).length).toBeLessThanOrEqual(513);
  });
});
