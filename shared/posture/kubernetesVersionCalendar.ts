/**
 * A dated, built-in fallback of the AKS Kubernetes release calendar, used when the location's
 * `managedClusters/kubernetesVersions` list could not be read.
 *
 * Source: "Supported Kubernetes versions in Azure Kubernetes Service (AKS)", sections "AKS Kubernetes release
 * calendar" and "LTS Versions", https://learn.microsoft.com/azure/aks/supported-kubernetes-versions, as published
 * in January 2026. "Unless an explicit date is provided, the End of Life (EOL) date is the last day of the specified
 * month": `endOfLife` below is that last day (or the explicit date), `ltsEndOfLife` likewise for the LTS window.
 * Refresh it with each new minor; minors newer than the newest listed are unknown here (not guessed), minors older
 * than the oldest listed reached their end of life before the oldest one did.
 */

export interface KubernetesMinorRelease {
  /** `major.minor`. */
  minor: string;
  /** AKS general availability (first day of the month). */
  generallyAvailable: string;
  /** Last day of community (KubernetesOfficial) support, inclusive. */
  endOfLife: string;
  /** Last day of long-term support (AKSLongTermSupport, Premium tier), inclusive; absent when the minor has no LTS. */
  ltsEndOfLife?: string;
}

/** When the calendar below was taken from the source. */
export const KUBERNETES_CALENDAR_RETRIEVED = '2026-01-25';

export const KUBERNETES_VERSION_CALENDAR: readonly KubernetesMinorRelease[] = [
  { minor: '1.27', generallyAvailable: '2023-07-01', endOfLife: '2024-07-31', ltsEndOfLife: '2025-07-31' },
  { minor: '1.28', generallyAvailable: '2023-11-01', endOfLife: '2025-01-31', ltsEndOfLife: '2026-02-28' },
  { minor: '1.29', generallyAvailable: '2024-03-01', endOfLife: '2025-03-31', ltsEndOfLife: '2026-04-30' },
  { minor: '1.30', generallyAvailable: '2024-07-01', endOfLife: '2025-08-22', ltsEndOfLife: '2026-07-31' },
  { minor: '1.31', generallyAvailable: '2024-11-01', endOfLife: '2025-11-01', ltsEndOfLife: '2026-11-30' },
  { minor: '1.32', generallyAvailable: '2025-04-01', endOfLife: '2026-03-31', ltsEndOfLife: '2027-03-31' },
  { minor: '1.33', generallyAvailable: '2025-06-01', endOfLife: '2026-06-30', ltsEndOfLife: '2027-06-30' },
  { minor: '1.34', generallyAvailable: '2025-11-01', endOfLife: '2026-11-30', ltsEndOfLife: '2027-11-30' },
  { minor: '1.35', generallyAvailable: '2026-03-01', endOfLife: '2027-03-31', ltsEndOfLife: '2028-03-31' },
];

/** `major.minor` of a Kubernetes version (`1.30.4`, `v1.30`, `1.30`), or undefined when it is not one. */
export function kubernetesMinor(version: string | undefined): string | undefined {
  const match = version === undefined ? null : /^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$/.exec(version.trim());
  return match === null ? undefined : `${match[1]}.${match[2]}`;
}

function compareMinors(left: string, right: string): number {
  const [leftMajor = 0, leftMinor = 0] = left.split('.').map(Number);
  const [rightMajor = 0, rightMinor = 0] = right.split('.').map(Number);
  return leftMajor - rightMajor || leftMinor - rightMinor;
}

/** What the built-in calendar says of a minor on a day: supported, past its end of life, or not in the calendar. */
export type CalendarVerdict = { kind: 'supported'; until: string } | { kind: 'ended'; on: string } | { kind: 'unknown' };

/**
 * Judges a minor on `day` (`YYYY-MM-DD`) by the built-in calendar: the community window, or the LTS window for a
 * cluster on the AKSLongTermSupport plan (a minor without LTS falls back to its community window).
 */
export function calendarVerdict(minor: string, day: string, longTermSupport: boolean): CalendarVerdict {
  const release = KUBERNETES_VERSION_CALENDAR.find((candidate) => candidate.minor === minor);
  if (release === undefined) {
    const oldest = KUBERNETES_VERSION_CALENDAR[0];
    if (oldest !== undefined && compareMinors(minor, oldest.minor) < 0) return { kind: 'ended', on: `before ${oldest.endOfLife}` };
    return { kind: 'unknown' };
  }
  const end = longTermSupport ? (release.ltsEndOfLife ?? release.endOfLife) : release.endOfLife;
  return day <= end ? { kind: 'supported', until: end } : { kind: 'ended', on: end };
}
