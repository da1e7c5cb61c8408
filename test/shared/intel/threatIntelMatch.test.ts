import { torExitAddresses } from '../../../shared/intel/data/torExitAddresses';
import { compileThreatIntelMatcher, emptyThreatIntelMatcher, firstPublicSourceIp, isPublicAddress, parseAddress, parseCidr } from '../../../shared/intel/threatIntelMatch';

// 185.220.101.4 and 109.70.100.4 were Tor exits in the Tor Project's exit list of 2024-03-12; the rest are documentation ranges.
const lists = compileThreatIntelMatcher([
  { name: 'incident-2026-114', ips: ['185.220.101.4', '2001:db8:beef::17'], cidrs: ['198.51.100.0/24', '2001:db8:c2::/48'], domains: ['c2.example.net', '*.evil.example.org'] },
  { name: 'partner-feed', ips: ['198.51.100.7'], cidrs: ['109.70.100.0/26', '::ffff:203.0.113.0/120'], domains: ['evil.example.org'] },
]);

describe('compileThreatIntelMatcher', () => {
  it('when an address is listed exactly, then the hit names its list and entry', () => {
    expect(lists.matchAddress('185.220.101.4')).toEqual({ list: 'incident-2026-114', entry: '185.220.101.4' });
    expect(lists.matchAddress('185.220.101.5')).toBeUndefined();
  });

  it('when an address falls in a listed range, then the range matches, and an exact entry of another list wins over it', () => {
    expect(lists.matchAddress('198.51.100.200')).toEqual({ list: 'incident-2026-114', entry: '198.51.100.0/24' });
    expect(lists.matchAddress('198.51.100.7')).toEqual({ list: 'partner-feed', entry: '198.51.100.7' });
    expect(lists.matchAddress('109.70.100.63')).toEqual({ list: 'partner-feed', entry: '109.70.100.0/26' });
    expect(lists.matchAddress('109.70.100.64')).toBeUndefined();
  });

  it('when an IPv6 address is written in another form, then it matches its entry and range', () => {
    expect(lists.matchAddress('2001:0DB8:BEEF:0:0:0:0:17')).toEqual({ list: 'incident-2026-114', entry: '2001:db8:beef::17' });
    expect(lists.matchAddress('[2001:db8:c2:ffff::1]')).toEqual({ list: 'incident-2026-114', entry: '2001:db8:c2::/48' });
    expect(lists.matchAddress('2001:db8:c3::1')).toBeUndefined();
  });

  it('when an IPv4-mapped IPv6 address arrives, then it matches as its IPv4 address, and mapped ranges as IPv4 ranges', () => {
    expect(lists.matchAddress('::ffff:185.220.101.4')).toEqual({ list: 'incident-2026-114', entry: '185.220.101.4' });
    expect(lists.matchAddress('203.0.113.77')).toEqual({ list: 'partner-feed', entry: '::ffff:203.0.113.0/120' });
  });

  it('when the text is not an address, then nothing matches and nothing throws', () => {
    for (const text of ['', 'localhost', '185.220.101', '0xb9.220.101.4', '185.220.101.4:443', '::gg']) expect(lists.matchAddress(text)).toBeUndefined();
    expect(lists.matchAddress(undefined)).toBeUndefined();
  });

  it('when a host name is listed exactly or under a *. entry, then it matches; the bare domain of a *. entry only by its own entry', () => {
    expect(lists.matchDomain('C2.Example.NET.')).toEqual({ list: 'incident-2026-114', entry: 'c2.example.net' });
    expect(lists.matchDomain('www.c2.example.net')).toBeUndefined();
    expect(lists.matchDomain('a.b.evil.example.org')).toEqual({ list: 'incident-2026-114', entry: '*.evil.example.org' });
    expect(lists.matchDomain('evil.example.org')).toEqual({ list: 'partner-feed', entry: 'evil.example.org' });
    expect(lists.matchDomain('notevil.example.org')).toBeUndefined();
  });

  it('when no list is given, then nothing matches', () => {
    expect(emptyThreatIntelMatcher.matchAddress('185.220.101.4')).toBeUndefined();
    expect(emptyThreatIntelMatcher.matchDomain('c2.example.net')).toBeUndefined();
    expect(emptyThreatIntelMatcher.listNames).toEqual([]);
  });
});

describe('parseCidr', () => {
  it('when a range is malformed, then it is undefined', () => {
    for (const text of ['10.0.0.0', '10.0.0.0/33', '2001:db8::/129', '10.0.0/8', '10.0.0.0/8/1', '10.0.0.0/-1', '10.0.0.0/ 8']) expect(parseCidr(text)).toBeUndefined();
    expect(parseCidr('2001:db8::/32')?.prefixLength).toBe(32);
  });
});

describe('firstPublicSourceIp', () => {
  it('when the caller came through private, loopback, link-local, CGNAT and unique-local hops, then the first public address is returned', () => {
    const event = { sourceIPs: ['10.224.0.4', '127.0.0.1', '169.254.169.254', '100.64.3.2', '172.16.0.9', '192.168.1.1', 'fd12:3456::1', 'fe80::1%eth0', '::1', '185.220.101.4', '20.42.65.92'] };
    expect(firstPublicSourceIp(event)).toBe('185.220.101.4');
  });

  it('when the public address is IPv6 or IPv4-mapped, then it is returned normalized', () => {
    expect(firstPublicSourceIp({ sourceIPs: ['10.0.0.1', '2A01:4F8:0:A0A1::2'] })).toBe('2a01:4f8:0:a0a1::2');
    expect(firstPublicSourceIp({ sourceIPs: ['::ffff:10.1.2.3', '::ffff:185.220.101.4'] })).toBe('185.220.101.4');
  });

  it('when every address is private or malformed, or the field is missing, then there is none', () => {
    expect(firstPublicSourceIp({ sourceIPs: ['10.244.1.7', 'unknown', '', '::ffff:192.168.0.3'] })).toBeUndefined();
    expect(firstPublicSourceIp({ sourceIPs: [] })).toBeUndefined();
    expect(firstPublicSourceIp({} as { sourceIPs: string[] })).toBeUndefined();
  });
});

describe('torExitAddresses (bundled)', () => {
  it('when the snapshot is read, then every entry is a public IPv4 address, once, and the rule matches its entries through the matcher too', () => {
    const entries = [...torExitAddresses];
    expect(new Set(entries).size).toBe(entries.length);
    for (const entry of entries) {
      const parsed = parseAddress(entry);
      expect(parsed?.kind()).toBe('ipv4');
      expect(parsed !== undefined && isPublicAddress(parsed)).toBe(true);
    }
    const tor = compileThreatIntelMatcher([{ name: 'torExitAddresses', ips: entries }]);
    expect(tor.matchAddress('::ffff:185.220.101.4')).toEqual({ list: 'torExitAddresses', entry: '185.220.101.4' });
  });
});
