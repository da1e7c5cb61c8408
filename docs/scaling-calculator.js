#!/usr/bin/env node
// Calculator behind docs/scaling.md (issue 18 §4): prints its derived tables from the inputs below.
// Usage: node docs/scaling-calculator.js [--set name=value ...] [--inputs file.json]
// Prints every derived table of docs/scaling.md as markdown, from the MEASURED inputs below
// (refresh them from `npm run bench`) and the PUBLISHED prices and limits further down
// (each with its source in docs/scaling.md, read 2026-12-04).
'use strict';
const fs = require('fs');

// ---- Measured inputs (this repo's benchmarks; 2 shared cores, Node 20) -------------------------
const measured = {
  benchCores: 1, // cores the handler bench's handler ran on: one event loop (its store ran in a process of its own)
  detectionPerCore: 29200, // audit events/s per core: decode + every rule + stateful pass, no store
  parseFloorPerCore: 57400, // audit events/s per core: JSON.parse of the same bytes
  handlerQuietPerInstance: 20800, // events/s, handler + store, steady attack-free (low end of two runs), on benchCores
  handlerAttackPerInstance: 14200, // same with 1% attacks
  auditEventKB: 3.5, // mean audit event JSON (properties.log) of the bench traffic
  envelopeKB: 1.0, // message bytes per event minus the event: the diagnostic record's fields and the log string's escaping
  nodeEventKB: 0.4, // node sensor event (not costed here)
  // Store requests per 10,000 events (issue 18 targets; refresh from the handler bench's breakdown)
  quietReadsPer10k: 0.58, // settings reads (plan and threat-intel sets per subscription and minute, the feeds), sustained 2,000 events/s
  quietWritesPer10k: 0.25, // usage writes (1 per subscription, partition and minute), sustained 2,000 events/s
  quietStateWritesPer10k: 0.25, // stateful state writes (at most 1 per document and minute; 26.7 before issue 18)
  quietInventoryWritesPer10k: 0, // workload inventory writes in steady quiet traffic (470 at a first delivery before issue 18)
  attackReadsPer10k: 10.7, // extra with 1% attacks: alert folds read (existing alerts only; new ones are created first) ...
  attackWritesPer10k: 208, // ... and write: alerts 132.9, workloads the attacks create 69.8, stateful state 5.4
  usageDocKB: 0.5,
  settingsDocKB: 0.5,
  alertDocKB: 3,
  stateDocKB: 5, // 2-8 KB: midpoint
  inventoryDocKB: 2,
};

// ---- Assumptions (labelled in docs/scaling.md) ---------------------------------------------
const assumed = {
  recordsPerMessage: 30, // AKS diagnostic records per Event Hubs message (bench mix: 20-60)
  indexingFactor: 1.5, // write RU with Argus's default consistent indexing / without indexing (not published)
  premiumMBpsPerPU: 5, // low end of Microsoft's "~5-10 MB/s ingress" per PU
  instanceMemoryGB: 2, // infra default functionInstanceMemoryMB = 2048
  coresPerInstance: 1, // Flex Consumption: 2,048 MB = 1 core
  maxEventBatchSize: 64, // host.json
  hoursPerMonth: 730,
  attackShare: 0.01,
  // clusters: vCores for Defender, events/s for kube-audit-admin (deployed default) and kube-audit
  clusters: [
    { name: 'small', nodes: 3, vCoresPerNode: 4, adminEps: 5, fullEps: 25 },
    { name: 'medium', nodes: 20, vCoresPerNode: 8, adminEps: 30, fullEps: 200 },
    { name: 'large', nodes: 100, vCoresPerNode: 16, adminEps: 150, fullEps: 1000 },
  ],
  rates: [1000, 10000, 100000, 1000000],
};

// ---- Published prices and limits (sources in docs/scaling.md) -------------------------------
const published = {
  cosmosReadRU1KB: 1, // point read, 1 KB
  cosmosReadRU100KB: 10,
  cosmosInsertRU1KBNoIndex: 5.5, // "Inserting a 1 KB item without indexing costs around ~5.5 RUs"
  cosmosReplaceFactor: 2, // "Replacing an item costs two times the charge required to insert"
  cosmosWriteRU1KBOld: 5, // older page: write 1 KB = 5 RU, 100 KB = 50 RU (size curve)
  cosmosWriteRU100KBOld: 50,
  cosmosServerlessPerMillionRU: 0.25,
  cosmosProvisionedPer100RUsHour: 0.008,
  cosmosAutoscalePer100RUsHour: 0.012, // NOT found in stored sources: assumed 1.5x manual
  cosmosStoragePerGBMonth: 0.25,
  cosmosMaxRUsPerPartition: 10000,
  cosmosServerlessMaxRUsPerContainer: 5000, // <= 250 GB; up to 20,000 at 1 TB
  ehTUPerHour: 0.03,
  ehIngressPerMillion: 0.028, // per million ingress events of <= 64 KB (Standard)
  ehBillableEventKB: 64,
  ehTUIngressMBps: 1,
  ehTUIngressEps: 1000,
  ehTUEgressMBps: 2,
  ehTUEgressEps: 4096,
  ehStandardMaxTUs: 40,
  ehStandardMaxPartitions: 32,
  ehPUPerHour: 1.336,
  ehPremiumMaxPUs: 16,
  ehPremiumMaxPartitionsPerHub: 100,
  ehPremiumPartitionsPerPU: 200,
  flexOnDemandPerGBs: 0.000026,
  flexPerMillionExecutions: 0.4,
  flexAlwaysReadyBaselinePerGBs: 0.000004,
  flexAlwaysReadyExecPerGBs: 0.000016,
  flexMinBilledSecondsPerExecution: 1,
  flexMaxInstancesPlatform: 1000,
  flexRegionalCoreQuota: 250,
  flexDeployedMaxInstances: 100, // infra default functionMaximumInstanceCount
  defenderPerVCoreMonth: 6.8693, // secondary source, see docs/scaling.md
};

// ---- Overrides ------------------------------------------------------------------------------
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--inputs') {
    const file = JSON.parse(fs.readFileSync(args[++i], 'utf8'));
    for (const group of [measured, assumed, published]) {
      for (const k of Object.keys(file)) if (k in group) group[k] = file[k];
    }
  } else if (args[i] === '--set') {
    const [k, v] = args[++i].split('=');
    const group = [measured, assumed, published].find((g) => k in g);
    if (!group) throw new Error(`unknown input ${k}`);
    group[k] = Number(v);
  }
}
const M = measured, A = assumed, P = published;

// ---- Helpers ------------------------------------------------------------------------------
const fmt = (n, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const usd = (n) => (n >= 100 ? `$${fmt(n, 0)}` : n >= 1 ? `$${fmt(n, 2)}` : `$${n.toPrecision(2)}`);
const table = (head, rows) =>
  [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const out = [];
const section = (title, body) => out.push(`### ${title}\n\n${body}\n`);

// Size curves through the published points: reads 1 KB -> 1 RU, 100 KB -> 10 RU; writes 1 KB -> 5,
// 100 KB -> 50 (both sqrt of size), scaled to the current 5.5 RU insert figure. Never below the 1 KB cost.
const readRU = (kb) => P.cosmosReadRU1KB * Math.sqrt(Math.max(1, kb));
const insertRU = (kb) => P.cosmosInsertRU1KBNoIndex * Math.sqrt(Math.max(1, kb)) * A.indexingFactor;
const replaceRU = (kb) => insertRU(kb) * P.cosmosReplaceFactor;

// ---- 1. Per instance and per core --------------------------------------------------------------
const quietPerCore = M.handlerQuietPerInstance / M.benchCores;
const attackPerCore = M.handlerAttackPerInstance / M.benchCores;
const perInstanceQuiet = quietPerCore * A.coresPerInstance;
const perInstanceAttack = attackPerCore * A.coresPerInstance;
section(
  'Throughput per core and per Flex instance',
  table(
    ['path', 'events/s per core', `events/s per Flex instance (${A.instanceMemoryGB * 1024} MB = ${A.coresPerInstance} core)`, 'MB/s per core (record incl. envelope)'],
    [
      ['JSON.parse floor', fmt(M.parseFloorPerCore), fmt(M.parseFloorPerCore * A.coresPerInstance), fmt((M.parseFloorPerCore * (M.auditEventKB + M.envelopeKB)) / 1024, 1)],
      ['detection (no store)', fmt(M.detectionPerCore), fmt(M.detectionPerCore * A.coresPerInstance), fmt((M.detectionPerCore * (M.auditEventKB + M.envelopeKB)) / 1024, 1)],
      ['handler + store, attack-free', fmt(quietPerCore), fmt(perInstanceQuiet), fmt((quietPerCore * (M.auditEventKB + M.envelopeKB)) / 1024, 1)],
      ['handler + store, 1% attacks', fmt(attackPerCore), fmt(perInstanceAttack), fmt((attackPerCore * (M.auditEventKB + M.envelopeKB)) / 1024, 1)],
    ],
  ),
);

// ---- 2. Cosmos RU per million events ---------------------------------------------------------
const per10kToPerM = 100;
const ruQuiet =
  per10kToPerM *
  (M.quietReadsPer10k * readRU(M.settingsDocKB) +
    M.quietWritesPer10k * replaceRU(M.usageDocKB) +
    M.quietStateWritesPer10k * replaceRU(M.stateDocKB) +
    M.quietInventoryWritesPer10k * replaceRU(M.inventoryDocKB));
const ruAttackExtra = per10kToPerM * (M.attackReadsPer10k * readRU(M.alertDocKB) + M.attackWritesPer10k * replaceRU(M.alertDocKB));
const ruAttack = ruQuiet + ruAttackExtra;
const cosmosServerlessPerM = (ru) => (ru / 1e6) * P.cosmosServerlessPerMillionRU;
const cosmosProvisionedPerM = (ru) => (ru / 3600 / 100) * P.cosmosProvisionedPer100RUsHour; // RU per 1M events spread over an hour at full use
section(
  'Cosmos DB request units per million audit events',
  table(
    ['request', 'per 10k events', 'document', 'RU each', 'RU per million events'],
    [
      ['settings point read (quiet)', fmt(M.quietReadsPer10k, 1), `${M.settingsDocKB} KB`, fmt(readRU(M.settingsDocKB), 2), fmt(per10kToPerM * M.quietReadsPer10k * readRU(M.settingsDocKB))],
      ['usage replace (quiet)', fmt(M.quietWritesPer10k, 1), `${M.usageDocKB} KB`, fmt(replaceRU(M.usageDocKB), 2), fmt(per10kToPerM * M.quietWritesPer10k * replaceRU(M.usageDocKB))],
      ['stateful state replace (quiet)', fmt(M.quietStateWritesPer10k, 1), `${M.stateDocKB} KB`, fmt(replaceRU(M.stateDocKB), 2), fmt(per10kToPerM * M.quietStateWritesPer10k * replaceRU(M.stateDocKB))],
      ['inventory replace (quiet)', fmt(M.quietInventoryWritesPer10k, 1), `${M.inventoryDocKB} KB`, fmt(replaceRU(M.inventoryDocKB), 2), fmt(per10kToPerM * M.quietInventoryWritesPer10k * replaceRU(M.inventoryDocKB))],
      ['alert fold read (1% attacks)', fmt(M.attackReadsPer10k, 1), `${M.alertDocKB} KB`, fmt(readRU(M.alertDocKB), 2), fmt(per10kToPerM * M.attackReadsPer10k * readRU(M.alertDocKB))],
      ['alert fold replace (1% attacks)', fmt(M.attackWritesPer10k, 1), `${M.alertDocKB} KB`, fmt(replaceRU(M.alertDocKB), 2), fmt(per10kToPerM * M.attackWritesPer10k * replaceRU(M.alertDocKB))],
      ['**total, attack-free**', '', '', '', `**${fmt(ruQuiet)}**`],
      ['**total, 1% attacks**', '', '', '', `**${fmt(ruAttack)}**`],
    ],
  ) +
    `\n\nServerless: ${usd(cosmosServerlessPerM(ruQuiet))} (attack-free) and ${usd(cosmosServerlessPerM(ruAttack))} (1% attacks) per million events. ` +
    `Provisioned (manual, fully used): ${usd(cosmosProvisionedPerM(ruQuiet))} and ${usd(cosmosProvisionedPerM(ruAttack))}.`,
);

// ---- 3. Event Hubs at 1k .. 1M events/s ------------------------------------------------------
const recordKB = M.auditEventKB + M.envelopeKB;
function hub(eps, recordsPerMessage) {
  const mbps = (eps * recordKB) / 1024;
  const msgs = eps / recordsPerMessage;
  const tuByMB = Math.ceil(mbps / P.ehTUIngressMBps);
  const tuByEvents = Math.ceil(msgs / P.ehTUIngressEps);
  const tuEgress = Math.max(Math.ceil(mbps / P.ehTUEgressMBps), Math.ceil(msgs / P.ehTUEgressEps));
  const tus = Math.max(1, tuByMB, tuByEvents, tuEgress);
  const binds = tus === tuByMB ? 'MB/s' : tus === tuByEvents ? 'events/s' : 'egress';
  const standardNamespaces = Math.ceil(tus / P.ehStandardMaxTUs);
  const pus = Math.max(1, Math.ceil(mbps / A.premiumMBpsPerPU));
  const premiumNamespaces = Math.ceil(pus / P.ehPremiumMaxPUs);
  const billableMsgKB = recordsPerMessage * recordKB;
  const billablePerMsg = Math.max(1, Math.ceil(billableMsgKB / P.ehBillableEventKB));
  const ingressPerMonth = msgs * billablePerMsg * 3600 * A.hoursPerMonth;
  const standardMonth = tus * P.ehTUPerHour * A.hoursPerMonth + (ingressPerMonth / 1e6) * P.ehIngressPerMillion;
  const premiumMonth = pus * P.ehPUPerHour * A.hoursPerMonth;
  return { mbps, msgs, tuByMB, tuByEvents, tus, binds, standardNamespaces, pus, premiumNamespaces, standardMonth, premiumMonth, billablePerMsg };
}
function instances(eps, perInstance) {
  return Math.ceil(eps / perInstance);
}
const hubRows = [];
for (const eps of A.rates) {
  for (const rpm of [A.recordsPerMessage, 1]) {
    const h = hub(eps, rpm);
    hubRows.push([
      fmt(eps),
      rpm === 1 ? '1 (small messages)' : `${rpm}`,
      fmt(h.mbps, 1),
      fmt(h.msgs),
      `${fmt(h.tuByMB)} / ${fmt(h.tuByEvents)}`,
      `${fmt(h.tus)} (${h.binds})`,
      h.standardNamespaces > 1 ? `${h.standardNamespaces} namespaces` : '1',
      fmt(h.pus),
      h.premiumNamespaces > 1 ? `${h.premiumNamespaces} namespaces` : '1',
    ]);
  }
}
section(
  'Event Hubs: throughput units (Standard) or processing units (Premium)',
  table(
    ['audit events/s', 'records per message', 'ingress MB/s', 'messages/s', 'TUs by MB/s / by events/s', 'TUs needed (binds)', `Standard namespaces (max ${P.ehStandardMaxTUs} TUs each)`, `PUs (at ${A.premiumMBpsPerPU} MB/s each)`, `Premium namespaces (max ${P.ehPremiumMaxPUs} PUs)`],
    hubRows,
  ),
);

// ---- 4. Partitions and Flex instances --------------------------------------------------------
const instRows = [];
for (const eps of A.rates) {
  const h = hub(eps, A.recordsPerMessage);
  const cpuQuiet = instances(eps, perInstanceQuiet);
  const cpuAttack = instances(eps, perInstanceAttack);
  const partitionsNeeded = Math.max(h.tus, cpuAttack);
  const standardHubs = Math.max(h.standardNamespaces, Math.ceil(partitionsNeeded / P.ehStandardMaxPartitions));
  const premiumHubs = Math.max(h.premiumNamespaces, Math.ceil(partitionsNeeded / P.ehPremiumMaxPartitionsPerHub));
  const tier = `${standardHubs} Standard / ${premiumHubs} Premium`;
  const cores = cpuAttack * A.coresPerInstance;
  const caps = [];
  if (cpuAttack > P.flexDeployedMaxInstances) caps.push(`> deployed max ${P.flexDeployedMaxInstances}`);
  if (cores > P.flexRegionalCoreQuota) caps.push(`> ${P.flexRegionalCoreQuota}-core regional quota`);
  if (cpuAttack > P.flexMaxInstancesPlatform) caps.push(`> platform max ${P.flexMaxInstancesPlatform}`);
  instRows.push([fmt(eps), fmt(cpuQuiet), fmt(cpuAttack), fmt(partitionsNeeded), tier, caps.join('; ') || 'none']);
}
section(
  'Partitions and Flex Consumption instances (one instance per partition at most)',
  table(
    ['audit events/s', 'instances, CPU-bound, attack-free', 'instances, CPU-bound, 1% attacks', 'partitions needed (>= instances, >= TUs)', 'hubs needed: Standard / Premium', 'caps crossed'],
    instRows,
  ),
);

// ---- 5. Cost per million events --------------------------------------------------------------
function functionsPerM(perInstance, recordsPerMessage) {
  const gbs = (1e6 / perInstance) * A.instanceMemoryGB;
  const executions = 1e6 / (recordsPerMessage * A.maxEventBatchSize); // full batches (sustained load)
  return gbs * P.flexOnDemandPerGBs + (executions / 1e6) * P.flexPerMillionExecutions;
}
const costRows = [];
for (const eps of A.rates) {
  const h = hub(eps, A.recordsPerMessage);
  const eventsPerMonth = eps * 3600 * A.hoursPerMonth;
  const standardPerM = (h.standardMonth / eventsPerMonth) * 1e6; // across ceil(TUs / 40) namespaces
  const premiumPerM = (h.premiumMonth / eventsPerMonth) * 1e6;
  const hubPerM = Math.min(standardPerM, premiumPerM);
  const fnQuiet = functionsPerM(perInstanceQuiet, A.recordsPerMessage);
  const fnAttack = functionsPerM(perInstanceAttack, A.recordsPerMessage);
  const serverlessOk = (ruAttack * eps) / 1e6 <= P.cosmosServerlessMaxRUsPerContainer;
  const autoscale = (ru) => cosmosProvisionedPerM(ru) * (P.cosmosAutoscalePer100RUsHour / P.cosmosProvisionedPer100RUsHour);
  const dbQuiet = serverlessOk ? cosmosServerlessPerM(ruQuiet) : autoscale(ruQuiet);
  const dbAttack = serverlessOk ? cosmosServerlessPerM(ruAttack) : autoscale(ruAttack);
  costRows.push([
    fmt(eps),
    `${usd(standardPerM)} (${h.standardNamespaces} namespace${h.standardNamespaces > 1 ? 's' : ''}) / ${usd(premiumPerM)}`,
    `${usd(fnQuiet)} / ${usd(fnAttack)}`,
    `${usd(dbQuiet)} / ${usd(dbAttack)} (${serverlessOk ? 'serverless' : 'autoscale'})`,
    `**${usd(hubPerM + fnQuiet + dbQuiet)} / ${usd(hubPerM + fnAttack + dbAttack)}**`,
  ]);
}
section(
  'Cost per million audit events at sustained rates (attack-free / 1% attacks)',
  table(['audit events/s', 'Event Hubs: Standard / Premium', 'Functions (Flex on demand): attack-free / 1% attacks', 'Cosmos DB: attack-free / 1% attacks', 'total (cheaper hub)'], costRows) +
    `\n\nHub cost per million is at the TU/PU count of the row (rounded up), ${A.recordsPerMessage} records per message; ` +
    `with one record per message Standard ingress alone adds ${usd(P.ehIngressPerMillion)} per million.`,
);

// ---- 6. Cluster-month ------------------------------------------------------------------------
function clusterMonth(eps, marginal) {
  const seconds = 3600 * A.hoursPerMonth;
  const events = eps * seconds;
  const msgsPerS = eps / A.recordsPerMessage;
  const h = hub(eps, A.recordsPerMessage);
  const ingress = ((msgsPerS * h.billablePerMsg * seconds) / 1e6) * P.ehIngressPerMillion;
  const tuShare = (h.mbps / P.ehTUIngressMBps) * P.ehTUPerHour * A.hoursPerMonth;
  const hubCost = marginal ? tuShare + ingress : h.tus * P.ehTUPerHour * A.hoursPerMonth + ingress;
  // Functions: busy seconds, but at a trickle each message is its own execution billed >= 1 s.
  const busy = events / perInstanceQuiet;
  const floor = marginal ? 0 : msgsPerS * seconds * P.flexMinBilledSecondsPerExecution;
  const billedSeconds = Math.min(seconds, Math.max(busy, floor));
  const fn = billedSeconds * A.instanceMemoryGB * P.flexOnDemandPerGBs + ((marginal ? events / (A.recordsPerMessage * A.maxEventBatchSize) : msgsPerS * seconds) / 1e6) * P.flexPerMillionExecutions;
  const db = cosmosServerlessPerM(ruQuiet) * (events / 1e6);
  return { events, hubCost, fn, db, total: hubCost + fn + db };
}
const clusterRows = [];
for (const c of A.clusters) {
  const vCores = c.nodes * c.vCoresPerNode;
  const defender = vCores * P.defenderPerVCoreMonth;
  for (const [category, eps] of [['kube-audit-admin', c.adminEps], ['kube-audit', c.fullEps]]) {
    const shared = clusterMonth(eps, true);
    const alone = clusterMonth(eps, false);
    clusterRows.push([
      `${c.name}: ${c.nodes} nodes x ${c.vCoresPerNode} vCores = ${vCores}`,
      category,
      fmt(eps),
      fmt((eps * recordKB * 86400) / 1024 / 1024, 1),
      usd(shared.total),
      usd(alone.total),
      usd(defender),
    ]);
  }
}
section(
  'Per cluster-month, attack-free, next to Defender for Containers',
  table(
    ['cluster (N vCores)', 'category', 'audit events/s (assumed)', 'GB/day into the hub', 'Argus, marginal in a shared deployment', 'Argus, one cluster alone, worst case (own 1 TU hub; every message its own execution billed 1 s)', 'Defender for Containers (N x per-vCore price)'],
    clusterRows,
  ),
);

// ---- 7. What breaks first ------------------------------------------------------------------------
const hotSubscriptionAttackEps = P.cosmosMaxRUsPerPartition / ((ruAttack - ruQuiet) / 1e6 + ruQuiet / 1e6);
const standardCeilingEps = Math.min(P.ehStandardMaxTUs * P.ehTUIngressMBps * 1024 / recordKB, P.ehStandardMaxPartitions * perInstanceAttack);
const serverlessCeilingEps = (P.cosmosServerlessMaxRUsPerContainer / ruAttack) * 1e6;
section(
  'Ceilings',
  table(
    ['limit', 'value', 'audit events/s at which it binds'],
    [
      [`Standard hub: ${P.ehStandardMaxTUs} TUs, ${P.ehStandardMaxPartitions} partitions (one instance each)`, `${P.ehStandardMaxTUs} MB/s; ${P.ehStandardMaxPartitions} x ${fmt(perInstanceAttack)} events/s`, fmt(standardCeilingEps)],
      [`deployed Event Hubs: 1 TU, 4 partitions, auto-inflate off`, `1 MB/s`, fmt((1024 / recordKB))],
      [`Flex deployed max instances ${P.flexDeployedMaxInstances}`, `${P.flexDeployedMaxInstances} x ${fmt(perInstanceAttack)}`, fmt(P.flexDeployedMaxInstances * perInstanceAttack)],
      [`Flex regional quota ${P.flexRegionalCoreQuota} cores`, `${P.flexRegionalCoreQuota / A.coresPerInstance} instances`, fmt((P.flexRegionalCoreQuota / A.coresPerInstance) * perInstanceAttack)],
      [`Cosmos serverless ${fmt(P.cosmosServerlessMaxRUsPerContainer)} RU/s per container (alerts, 1% attacks)`, `${fmt(ruAttack)} RU per million`, fmt(serverlessCeilingEps)],
      [`Cosmos ${fmt(P.cosmosMaxRUsPerPartition)} RU/s per partition key (one subscription, 1% attacks)`, `${fmt(ruAttack)} RU per million`, fmt(hotSubscriptionAttackEps)],
    ],
  ),
);

process.stdout.write(out.join('\n'));
