/*
 * Mining pool host names and ports from Falco's rules.
 *
 * Source:    https://github.com/falcosecurity/rules/blob/18aa70043b0a3ea821f5ae479900279aab8fc5a3/rules/falco-sandbox_rules.yaml
 *            lists miner_domains, https_miner_domains, http_miner_domains and miner_ports (used by the sandbox rule
 *            "Detect outbound connections to common miner pool ports").
 * License:   Apache-2.0 (https://github.com/falcosecurity/rules/blob/main/LICENSE). Copyright (C) 2025 The Falco Authors.
 * Retrieved: 2026-12-03, from a stored copy of the file at the commit above (the file's header says 2025; the commit's
 *            own date was not available).
 * Selected:  every entry of the four lists. (http_proxy_miner_domains, named in older write-ups, is not in this version.)
 * Changes:   the three domain lists merged, deduplicated and sorted; ports written as strings. Argus adds `*.<domain>`
 *            forms of the pools' own domains in ../bundledThreatLists.ts, not here.
 * Refresh:   see README.md in this folder.
 */

/** The pool host names of `miner_domains`, `https_miner_domains` and `http_miner_domains`. */
export const falcoMinerDomains: readonly string[] = [
  'asia1.ethpool.org',
  'btm.antpool.com',
  'ca.minexmr.com',
  'cn.stratum.slushpool.com',
  'dash.antpool.com',
  'de.minexmr.com',
  'eth-ar.dwarfpool.com',
  'eth-asia.dwarfpool.com',
  'eth-asia1.nanopool.org',
  'eth-au.dwarfpool.com',
  'eth-au1.nanopool.org',
  'eth-br.dwarfpool.com',
  'eth-cn.dwarfpool.com',
  'eth-cn2.dwarfpool.com',
  'eth-eu.dwarfpool.com',
  'eth-eu1.nanopool.org',
  'eth-eu2.nanopool.org',
  'eth-hk.dwarfpool.com',
  'eth-jp1.nanopool.org',
  'eth-ru.dwarfpool.com',
  'eth-ru2.dwarfpool.com',
  'eth-sg.dwarfpool.com',
  'eth-us-east1.nanopool.org',
  'eth-us-west1.nanopool.org',
  'eth-us.dwarfpool.com',
  'eth-us2.dwarfpool.com',
  'eth.antpool.com',
  'eu.stratum.slushpool.com',
  'eu1.ethermine.org',
  'eu1.ethpool.org',
  'fr.minexmr.com',
  'mine.moneropool.com',
  'mine.xmrpool.net',
  'pool.minexmr.com',
  'pool.monero.hashvault.pro',
  'pool.supportxmr.com',
  'rx.unmineable.com',
  'sg.minexmr.com',
  'sg.stratum.slushpool.com',
  'ss.antpool.com',
  'stratum-btm.antpool.com',
  'stratum-dash.antpool.com',
  'stratum-eth.antpool.com',
  'stratum-ltc.antpool.com',
  'stratum-xmc.antpool.com',
  'stratum-zec.antpool.com',
  'stratum.antpool.com',
  'us-east.stratum.slushpool.com',
  'us1.ethermine.org',
  'us1.ethpool.org',
  'us2.ethermine.org',
  'us2.ethpool.org',
  'xmc.antpool.com',
  'xmr-asia1.nanopool.org',
  'xmr-au1.nanopool.org',
  'xmr-eu1.nanopool.org',
  'xmr-eu2.nanopool.org',
  'xmr-jp1.nanopool.org',
  'xmr-us-east1.nanopool.org',
  'xmr-us-west1.nanopool.org',
  'xmr.crypto-pool.fr',
  'xmr.pool.minergate.com',
  'zec.antpool.com',
];

/** `miner_ports`: the ports pools listen on (stratum), as Falco lists them. */
export const falcoMinerPorts: readonly string[] = [
  '25',
  '3333',
  '3334',
  '3335',
  '3336',
  '3357',
  '4444',
  '5555',
  '5556',
  '5588',
  '5730',
  '6099',
  '6666',
  '7777',
  '7778',
  '8000',
  '8001',
  '8008',
  '8080',
  '8118',
  '8333',
  '8888',
  '8899',
  '9332',
  '9999',
  '14433',
  '14444',
  '45560',
  '45700',
];
