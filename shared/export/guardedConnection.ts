import { X509Certificate } from 'node:crypto';
import { type ClientRequestArgs } from 'node:http';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { type Duplex } from 'node:stream';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { guardedLookup } from './addressPolicy';

export interface GuardedConnectionOptions {
  /** Connect even when the host resolves to a private, loopback or link-local address (local mode, an allow-listed test host). */
  allowPrivateAddresses: boolean;
  /** Extra CA certificates to trust. */
  ca?: string | Buffer;
  /**
   * Local mode and tests only: with `ca`, a certificate that is byte-for-byte one of `ca`'s is accepted even when it
   * does not verify (the expired self-signed certificate shipped with @vercel/cosmosdb-server).
   */
  pinCa: boolean;
}

/**
 * Opens the socket of an outgoing request to a URL someone configured (a webhook, a threat-intel feed): through
 * {@link guardedLookup} (so the address connected to is the address checked) and, for https, hands the socket over
 * only once the certificate is accepted. Node does not call `lookup` for an IP literal: callers check literals with
 * `forbiddenAddressReason` first.
 */
export function guardedConnectionFactory(
  url: URL,
  options: GuardedConnectionOptions,
  onPending: (socket: Duplex) => void,
): NonNullable<ClientRequestArgs['createConnection']> {
  return (_args, oncreate) => {
    const host = unbracketed(url.hostname);
    const secure = url.protocol === 'https:';
    const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
    const lookup: LookupFunction = guardedLookup({ allowPrivateAddresses: options.allowPrivateAddresses });
    const pinned = options.pinCa && options.ca !== undefined ? certificatesIn(options.ca) : undefined;
    let handedOver = false;
    const handOver = (error: Error | null, socket: Socket): void => {
      if (handedOver) return;
      handedOver = true;
      socket.off('error', onError);
      if (error !== null) socket.destroy();
      oncreate(error, socket);
    };
    const socket: Socket = secure
      ? tlsConnect({
          host,
          port,
          lookup,
          ...(isIP(host) === 0 ? { servername: host } : {}),
          ...(options.ca !== undefined ? { ca: options.ca } : {}),
          rejectUnauthorized: pinned === undefined,
          ALPNProtocols: ['http/1.1'],
        })
      : netConnect({ host, port, lookup });
    const onError = (error: Error): void => handOver(error, socket);
    socket.on('error', onError);
    onPending(socket);
    if (secure) {
      socket.once('secureConnect', () => {
        const tlsSocket = socket as TLSSocket;
        if (pinned !== undefined && !tlsSocket.authorized && !pinned.some((raw) => raw.equals(tlsSocket.getPeerCertificate().raw))) {
          handOver(Object.assign(new Error('the certificate is neither trusted nor pinned'), { code: 'CERT_UNTRUSTED' }), socket);
        } else {
          handOver(null, socket);
        }
      });
    } else {
      socket.once('connect', () => handOver(null, socket));
    }
    return undefined;
  };
}

/** A URL's host name without IPv6 brackets. */
export function unbracketed(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

function certificatesIn(ca: string | Buffer): Buffer[] {
  return pemCertificates(ca.toString('utf8')).map((pem) => new X509Certificate(pem).raw);
}

const PEM_BEGIN = '-----BEGIN CERTIFICATE-----';
const PEM_END = '-----END CERTIFICATE-----';

/**
 * The certificate blocks of a PEM bundle, each from its BEGIN line to the first END line after it. Found with
 * `indexOf` in one pass: the lazy regular expression it replaces rescanned the bundle from every BEGIN (quadratic).
 */
export function pemCertificates(text: string): string[] {
  const blocks: string[] = [];
  let begin = text.indexOf(PEM_BEGIN);
  while (begin !== -1) {
    const end = text.indexOf(PEM_END, begin + PEM_BEGIN.length + 1);
    if (end === -1) break;
    blocks.push(text.slice(begin, end + PEM_END.length));
    begin = text.indexOf(PEM_BEGIN, end + PEM_END.length);
  }
  return blocks;
}
