import { type DetectionLists } from '../detection/allowLists';
import { falcoMinerDomains, falcoMinerPorts } from './data/falcoMinerLists';
import { maltrailMiningPoolAddresses, maltrailMiningPoolDomains } from './data/maltrailCryptoMining';
import { maltrailLinuxThreatAddresses, maltrailLinuxThreatDomains } from './data/maltrailLinuxThreats';
import { torExitAddresses } from './data/torExitAddresses';

/**
 * Registrable domains that belong to mining pools, whose every host name is a pool endpoint (a new region or coin
 * appears as `xmr-eu3.nanopool.org`): each is also listed as `*.<domain>`. Every one of them is named by the data
 * files, as a host or as the parent of one; domains of shared services (dynamic DNS, CDNs, hosting) never are.
 */
const POOL_OPERATOR_DOMAINS: readonly string[] = [
  '2miners.com',
  '2miners.ru',
  'aeon-pool.com',
  'antpool.com',
  'bmpool.org',
  'bohemianpool.com',
  'c3pool.com',
  'c3pool.org',
  'crypto-pool.fr',
  'crypto-pool.info',
  'dwarfpool.com',
  'ethermine.org',
  'ethpool.org',
  'f2pool.com',
  'fastpool.xyz',
  'hashvault.pro',
  'herominers.com',
  'kryptex.network',
  'luckpool.net',
  'miner.rocks',
  'minergate.com',
  'minerpool.pw',
  'minerrocks.com',
  'minexmr.com',
  'miningocean.org',
  'miningpoolhub.com',
  'monerpool.org',
  'moneroocean.stream',
  'moneropool.com',
  'nanopool.org',
  'ppxxmr.com',
  'prohash.net',
  'slushpool.com',
  'supportxmr.com',
  'suprnova.cc',
  'ultra-pool.com',
  'unmineable.com',
  'xmrfast.com',
  'xmrpool.eu',
  'xmrpool.net',
];

/** The entries in order, without repeats (compared case-insensitively: the lists match case-insensitively). */
function withoutRepeats(entries: readonly string[]): string[] {
  const seen = new Set<string>();
  return entries.filter((entry) => {
    const key = entry.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The threat lists bundled with Argus, built from the data files under shared/intel/data (each names its source,
 * license, retrieval date and what was selected; README.md there says how to refresh them). Everything is in the
 * repository: nothing is fetched at run time.
 * - miningPoolDomains: Falco's pool host names and Maltrail's crypto-mining trail, plus `*.<domain>` for the pools' own
 *   domains.
 * - miningPoolPorts: Falco's `miner_ports`.
 * - threatIntelAddresses: exact IPv4 addresses of Linux and container threats (TeamTNT, Kinsing, WatchDog, Rocke,
 *   Outlaw, ...) and of mining pools, from Maltrail.
 * - threatIntelDomains: host names of those threats, from Maltrail.
 * - torExitAddresses: Tor exit relays, from the Tor Project's exit list of 2024-03-12 (1,174 addresses).
 */
export const bundledThreatLists: Pick<DetectionLists, 'miningPoolDomains' | 'miningPoolPorts' | 'threatIntelAddresses' | 'threatIntelDomains' | 'torExitAddresses'> = {
  miningPoolDomains: withoutRepeats([...falcoMinerDomains, ...maltrailMiningPoolDomains, ...POOL_OPERATOR_DOMAINS.map((domain) => `*.${domain}`)]),
  miningPoolPorts: withoutRepeats(falcoMinerPorts),
  threatIntelAddresses: withoutRepeats([...maltrailLinuxThreatAddresses, ...maltrailMiningPoolAddresses]),
  threatIntelDomains: withoutRepeats(maltrailLinuxThreatDomains),
  torExitAddresses: withoutRepeats(torExitAddresses),
};
