/**
 * One instance's memory of the inventory documents it saw written by their own object (`specFrom: 'self'`, not
 * deleted): the owners whose pods, ReplicaSets and Jobs can no longer change them. A folded change (a pod of a
 * Deployment created, deleted or patched) only ever fills an owner's document while none of the owner's own writes was
 * seen (workloadInventory's applyOwnedChange), and a document once written by its own object stays so (its own writes
 * keep `self`, a delete keeps the spec as a tombstone for a week). So, within an hour of seeing one, every folded change
 * of that document is known to change nothing without reading it: steady pod churn of known controllers costs the store
 * nothing. The hour is far below the tombstone's week, so the document cannot have expired meanwhile.
 */

/** How long a sighting is trusted (far below WORKLOAD_TOMBSTONE_TTL_IN_SECONDS). */
export const SELF_SPECIFIED_TRUST_IN_MS = 60 * 60 * 1000;
/** Documents remembered at most (least recently seen out first): a few MB for the largest clusters. */
const MAX_ENTRIES = 50_000;

export class SelfSpecifiedWorkloads {
  private readonly seenAtMs = new Map<string, number>();

  constructor(private readonly maxEntries: number = MAX_ENTRIES) {}

  /** True when the document (by its key: partition and id) was seen self-specified within the trust period before `nowInMs`. */
  has(key: string, nowInMs: number): boolean {
    const seenAt = this.seenAtMs.get(key);
    if (seenAt === undefined) return false;
    if (nowInMs - seenAt > SELF_SPECIFIED_TRUST_IN_MS || seenAt > nowInMs) {
      this.seenAtMs.delete(key);
      return false;
    }
    return true;
  }

  /** Remembers a document seen (read or written) self-specified and not deleted at `nowInMs`. */
  remember(key: string, nowInMs: number): void {
    this.seenAtMs.delete(key);
    this.seenAtMs.set(key, nowInMs);
    while (this.seenAtMs.size > this.maxEntries) this.seenAtMs.delete(this.seenAtMs.keys().next().value as string);
  }

  get size(): number {
    return this.seenAtMs.size;
  }
}
