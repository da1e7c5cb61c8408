import { createHmac } from 'node:crypto';
import {
  WEBHOOK_DELIVERY_HEADER,
  WEBHOOK_EVENT_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  generateWebhookSecret,
  signWebhookBody,
  verifyWebhookSignature,
} from '../../../shared/export/webhookSignature';

const secret = 'whsec_test-secret';
const body = '{"alertType":"K8S_PrivilegedContainer","status":"Active"}';

describe('generateWebhookSecret', () => {
  it('when a secret is generated, then it is whsec_ followed by 32 random bytes in base64url', () => {
    const generated = generateWebhookSecret();
    expect(generated).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(generated.slice('whsec_'.length), 'base64url')).toHaveLength(32);
  });

  it('when two secrets are generated, then they differ', () => {
    expect(generateWebhookSecret()).not.toBe(generateWebhookSecret());
  });
});

describe('signWebhookBody', () => {
  it('when a body is signed, then the value is sha256= and the lowercase hex HMAC-SHA256 keyed with the secret', () => {
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8')).update(Buffer.from(body, 'utf8')).digest('hex');
    expect(signWebhookBody(secret, body)).toBe(`sha256=${expected}`);
  });

  it('when a known vector is signed, then the signature matches the published HMAC-SHA256 value', () => {
    // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(signWebhookBody('Jefe', 'what do ya want for nothing?')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('when the same bytes are given as a string and as a Buffer, then the signatures are equal', () => {
    const text = '{"name":"café ☕"}';
    expect(signWebhookBody(secret, Buffer.from(text, 'utf8'))).toBe(signWebhookBody(secret, text));
  });

  it('when the body differs by one byte, then the signature differs', () => {
    expect(signWebhookBody(secret, `${body} `)).not.toBe(signWebhookBody(secret, body));
  });
});

describe('verifyWebhookSignature', () => {
  it('when the header is the body signature, then it verifies', () => {
    expect(verifyWebhookSignature(secret, body, signWebhookBody(secret, body))).toBe(true);
  });

  it('when the body was tampered with, then it does not verify', () => {
    expect(verifyWebhookSignature(secret, body.replace('Active', 'Resolved'), signWebhookBody(secret, body))).toBe(false);
  });

  it('when the signature was made with another secret, then it does not verify', () => {
    expect(verifyWebhookSignature(secret, body, signWebhookBody('whsec_other', body))).toBe(false);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without the sha256= prefix', signWebhookBody(secret, body).slice('sha256='.length)],
    ['truncated', signWebhookBody(secret, body).slice(0, -2)],
    ['with another algorithm', signWebhookBody(secret, body).replace('sha256=', 'sha1=')],
    ['not hex', `sha256=${'z'.repeat(64)}`],
    ['too long', `${signWebhookBody(secret, body)}00`],
  ])('when the header is %s, then it does not verify', (_situation, header) => {
    expect(verifyWebhookSignature(secret, body, header)).toBe(false);
  });
});

describe('webhook header names', () => {
  it('when the headers are named, then they are the documented lowercase x-argus-* names', () => {
    expect([WEBHOOK_SIGNATURE_HEADER, WEBHOOK_DELIVERY_HEADER, WEBHOOK_EVENT_HEADER]).toEqual([
      'x-argus-signature',
      'x-argus-delivery',
      'x-argus-event',
    ]);
  });
});
