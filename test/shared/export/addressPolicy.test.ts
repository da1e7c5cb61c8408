import { type LookupAddress } from 'node:dns';
import { createServer, request } from 'node:http';
import { type AddressInfo } from 'node:net';
import { type LookupFunction } from 'node:net';
import { ForbiddenAddressError, forbiddenAddressReason, guardedLookup } from '../../../shared/export/addressPolicy';

describe('forbiddenAddressReason', () => {
  it.each([
    ['127.0.0.1', /loopback/],
    ['127.255.255.254', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /carrier-grade NAT/],
    ['100.100.100.200', /carrier-grade NAT/],
    ['169.254.169.254', /link-local.*metadata/],
    ['169.254.0.1', /link-local/],
    ['168.63.129.16', /wireserver/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['192.0.2.10', /reserved|documentation/],
    ['198.18.0.1', /reserved|benchmarking/],
    ['203.0.113.5', /reserved|documentation/],
    ['::1', /loopback/],
    ['::', /unspecified/],
    ['fe80::1', /link-local/],
    ['fc00::1', /unique-local/],
    ['fd00:ec2::254', /unique-local/],
    ['fec0::1', /site-local/],
    ['ff02::1', /multicast/],
    ['2001:db8::1', /reserved|documentation/],
    ['::ffff:127.0.0.1', /IPv4-mapped.*loopback/],
    ['::ffff:7f00:1', /IPv4-mapped.*loopback/],
    ['::ffff:a9fe:a9fe', /IPv4-mapped.*link-local/],
    ['::ffff:10.0.0.1', /IPv4-mapped.*private/],
    ['::7f00:1', /IPv4-compatible.*loopback/],
    ['64:ff9b::a9fe:a9fe', /NAT64.*link-local/],
    ['64:ff9b::7f00:1', /NAT64.*loopback/],
    ['64:ff9b:1::1', /NAT64/],
    ['2002:7f00:1::', /6to4.*loopback/],
    ['2002:a9fe:a9fe::1', /6to4.*link-local/],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', /Teredo.*loopback/],
    ['::ffff:0:7f00:1', /IPv4-translated.*loopback/],
    ['localhost', /not an IP address/],
    ['0x7f.1', /not an IP address/],
  ])('when the address is %s, then it is refused with a reason naming its class', (address, reason) => {
    expect(forbiddenAddressReason(address)).toMatch(reason);
  });

  it.each([
    ['8.8.8.8'],
    ['1.1.1.1'],
    ['20.42.65.92'],
    ['172.32.0.1'],
    ['100.128.0.1'],
    ['168.63.129.17'],
    ['2606:4700:4700::1111'],
    ['2001:4860:4860::8888'],
  ])('when the address is the public address %s, then it is allowed', (address) => {
    expect(forbiddenAddressReason(address)).toBeUndefined();
  });

  it('when a public IPv4 address is written in an IPv6 transition form, then it is still refused (not unicast)', () => {
    expect(forbiddenAddressReason('::ffff:8.8.8.8')).toMatch(/IPv4-mapped/);
    expect(forbiddenAddressReason('64:ff9b::808:808')).toMatch(/NAT64/);
  });
});

type LookupResult = { error: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number };

function lookupWith(lookup: LookupFunction, hostname: string, options: { all?: boolean; family?: number } = {}): Promise<LookupResult> {
  return new Promise((resolve) => lookup(hostname, options, (error, address, family) => resolve({ error, address, family })));
}

describe('guardedLookup', () => {
  const production = guardedLookup({ allowPrivateAddresses: false });
  const local = guardedLookup({ allowPrivateAddresses: true });

  it('when localhost is looked up in production, then the lookup fails with EADDRNOTALLOWED naming the address class', async () => {
    const { error } = await lookupWith(production, 'localhost');
    expect(error).toBeInstanceOf(ForbiddenAddressError);
    expect(error?.code).toBe('EADDRNOTALLOWED');
    expect(error?.message).toMatch(/localhost.*loopback/);
  });

  it('when localhost is looked up in production with all: true, then the lookup fails as well', async () => {
    const { error } = await lookupWith(production, 'localhost', { all: true });
    expect(error?.code).toBe('EADDRNOTALLOWED');
  });

  it('when the metadata address literal is looked up in production, then the lookup fails', async () => {
    const { error } = await lookupWith(production, '169.254.169.254');
    expect(error?.code).toBe('EADDRNOTALLOWED');
    expect(error?.message).toMatch(/link-local/);
  });

  it('when a public literal is looked up without all, then it resolves to that address and family', async () => {
    expect(await lookupWith(production, '8.8.8.8')).toEqual({ error: null, address: '8.8.8.8', family: 4 });
  });

  it('when a public IPv6 literal is looked up with all: true, then it resolves to a list with that address', async () => {
    const { error, address } = await lookupWith(production, '2606:4700:4700::1111', { all: true });
    expect(error).toBeNull();
    expect(address).toEqual([{ address: '2606:4700:4700::1111', family: 6 }]);
  });

  it('when 127.0.0.1 is looked up in local mode, then it is allowed', async () => {
    expect(await lookupWith(local, '127.0.0.1')).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });

  it('when localhost is looked up in local mode with family 4, then it resolves to 127.0.0.1', async () => {
    expect(await lookupWith(local, 'localhost', { family: 4 })).toEqual({ error: null, address: '127.0.0.1', family: 4 });
  });
});

describe('guardedLookup as the lookup option of http.request', () => {
  it('when a request to localhost uses the production lookup, then it fails with EADDRNOTALLOWED and no request reaches the server', async () => {
    let received = 0;
    const server = createServer((_req, res) => {
      received++;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await new Promise<NodeJS.ErrnoException>((resolve, reject) => {
        const req = request({ host: 'localhost', port, method: 'POST', lookup: guardedLookup({ allowPrivateAddresses: false }) }, () =>
          reject(new Error('the request reached the server')),
        );
        req.on('error', resolve);
        req.end('{}');
      });
      expect(error.code).toBe('EADDRNOTALLOWED');
      expect(received).toBe(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
