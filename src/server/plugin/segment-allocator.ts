/**
 * Picks free segmentation ids (GRE keys, VXLAN VNIs, VLAN ids) from id ranges. As with the
 * AddressAllocator, correctness comes from the store: the caller runs inside a write transaction
 * and an id is taken if a network holds it. The allocator only remembers, per range, where the
 * last search ended, so that the 10,000th project network does not try the 9,999 ids before it.
 */
import type { IdRange } from './network-segment-ranges.js';

export class SegmentAllocator {
  private readonly hints = new Map<string, number>();

  /**
   * A free id of `range`, searching from where the last search in it ended and wrapping round
   * to its start; null when every id is taken. `key` names the range (its type and physical
   * network with its bounds).
   */
  allocate(key: string, [lo, hi]: IdRange, free: (id: number) => boolean): number | null {
    const hint = this.hints.get(key);
    const from = hint !== undefined && hint > lo && hint <= hi ? hint : lo;
    for (let id = from; id <= hi; id++) if (free(id)) return this.took(key, id);
    for (let id = lo; id < from; id++) if (free(id)) return this.took(key, id);
    return null;
  }

  private took(key: string, id: number): number {
    this.hints.set(key, id + 1);
    return id;
  }
}
