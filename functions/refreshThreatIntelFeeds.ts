import type { InvocationContext, Timer } from '@azure/functions';
import { ArgusEnvironment } from '../shared/config';
import { defineTimerFunction } from '../shared/functions/defineFunction';
import { refreshStoredThreatIntelFeeds } from '../shared/threatIntelFeeds/refreshStoredThreatIntelFeeds';
import { getServices } from '../shared/services';

/**
 * The threat-intel feeds' refresh (NCRONTAB `%THREAT_INTEL_FEED_SCHEDULE%`, default every 6 hours at a quarter past):
 * every feed of `THREAT_INTEL_FEEDS` fetched from the allow-listed hosts with the export's SSRF guard and the size
 * and time caps, and stored when its content changed; the pipeline picks the stored feeds up within its settings
 * cache period. With no feed configured it fetches nothing (and deletes feeds stored before they were removed). A
 * feed that fails is logged with why and keeps its previous content; the timer never throws for what a feed answers.
 */
export async function refreshThreatIntelFeeds(_timer: Timer, context: InvocationContext): Promise<void> {
  const services = getServices();
  const { feeds, allowedHosts } = services.config.threatIntelFeeds;
  const startedInMs = Date.now();
  const result = await refreshStoredThreatIntelFeeds({
    database: services.database,
    feeds,
    fetch: {
      allowedHosts,
      // Locally a feed may be served from this machine or the local network; in Azure never.
      ...(services.config.environment === ArgusEnvironment.local ? { privateAddressHosts: allowedHosts } : {}),
      userAgent: 'Argus-ThreatIntel/1.0',
    },
    now: () => new Date(),
  });
  for (const outcome of result.outcomes) {
    if (outcome.kind === 'failed') context.warn(`threat-intel feed ${outcome.name}: ${outcome.reason}; its previous content stays in use`);
    else if (outcome.kind === 'updated') {
      context.log(`threat-intel feed ${outcome.name}: ${outcome.entryCount} entries stored (${outcome.skippedLines} lines refused, ${outcome.droppedEntries} entries over the cap)`);
    }
  }
  const failed = result.outcomes.filter((outcome) => outcome.kind === 'failed').length;
  const unchanged = result.outcomes.filter((outcome) => outcome.kind === 'unchanged').length;
  context.log(
    `threat-intel feeds: ${feeds.length} configured, ${feeds.length - failed - unchanged} updated, ${unchanged} unchanged, ${failed} failed, ${result.removed.length} removed, in ${Date.now() - startedInMs} ms`,
  );
}

export const refreshThreatIntelFeedsFunction = defineTimerFunction('refreshThreatIntelFeeds', {
  schedule: '%THREAT_INTEL_FEED_SCHEDULE%',
  handler: refreshThreatIntelFeeds,
});
