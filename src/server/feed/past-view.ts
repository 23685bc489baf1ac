/**
 * The view as it was at an earlier revision, rebuilt from the current one and the change log
 * since: every record written after that revision reads as it was before its first write
 * since (the log keeps it), every other record as it is now (the same object). The feed
 * uses it to know what an agent that resumes from that revision already has.
 */
import { type AnyRecord, type IndexName, KINDS, type Kind, type KindRecords, recordId } from '../../store/kinds.js';
import type { HistoryEntry } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';

export class PastView implements ReadView {
  /** kind → id → the record at `revision` (null: it did not exist). */
  private readonly asThen = new Map<Kind, Map<string, AnyRecord | null>>();

  /** `history`: the change log after `revision` up to `now`'s revision, in order. */
  constructor(
    private readonly now: ReadView,
    readonly revision: number,
    history: readonly HistoryEntry[],
  ) {
    for (const e of history) {
      let byId = this.asThen.get(e.kind);
      if (!byId) {
        byId = new Map();
        this.asThen.set(e.kind, byId);
      }
      // The first write after `revision` knows the record as it was then.
      if (!byId.has(e.id)) byId.set(e.id, e.prior ?? null);
    }
  }

  get<K extends Kind>(kind: K, id: string): KindRecords[K] | undefined {
    const changed = this.asThen.get(kind);
    if (changed?.has(id)) return (changed.get(id) ?? undefined) as KindRecords[K] | undefined;
    return this.now.get(kind, id);
  }

  all<K extends Kind>(kind: K): readonly KindRecords[K][] {
    const changed = this.asThen.get(kind);
    if (!changed) return this.now.all(kind);
    const out = this.now.all(kind).filter((r) => !changed.has(recordId(kind, r)));
    for (const r of changed.values()) if (r) out.push(r as KindRecords[K]);
    return out;
  }

  by<K extends Kind>(kind: K, index: IndexName<K>, key: string): readonly KindRecords[K][] {
    const changed = this.asThen.get(kind);
    if (!changed) return this.now.by(kind, index, key);
    const out = this.now.by(kind, index, key).filter((r) => !changed.has(recordId(kind, r)));
    const keysOf = (KINDS[kind].indexes as Record<string, (r: AnyRecord) => readonly string[]>)[index]!;
    for (const r of changed.values()) if (r && keysOf(r).includes(key)) out.push(r as KindRecords[K]);
    return out;
  }

  count<K extends Kind>(kind: K, index: IndexName<K>, key: string): number {
    return this.count(kind, index, key);
  }

  size(kind: Kind): number {
    return this.all(kind).length;
  }
}
