/**
 * SQL reads and writes of records and the change log through Kysely (PostgreSQL, and SQLite
 * outside write transactions). One function per statement shape; the Store decides when they
 * run. sqlite-writer.ts writes the same rows synchronously.
 */
import { sql } from 'kysely';
import type { Port } from '../model/resources.js';
import type { Kysely } from 'kysely';
import type { Db, HistoryEntry, LoggedChange, RecordTables, Session, Tx } from './database.js';
import { type AnyRecord, KINDS, type Kind, recordId } from './kinds.js';
import { shareStrings } from './shared-strings.js';
import type { Change, CommittedChange } from './view.js';

/** The store's session on a Kysely connection or transaction. */
export class KyselySession implements Session {
  constructor(private readonly tx: Tx) {}

  revision(): Promise<number> {
    return readRevision(this.tx);
  }

  changesSince(revision: number): Promise<CommittedChange[]> {
    return loadChangesSince(this.tx, revision, Number.MAX_SAFE_INTEGER);
  }

  records(table: string): Promise<AnyRecord[]> {
    return loadRecords(this.tx, table);
  }

  persist(changes: readonly LoggedChange[], revision: number | null): Promise<void> {
    return persistChanges(this.tx, changes, revision);
  }
}

const CHUNK = 200;

function chunks<T>(items: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The same connection, seen through the shape shared by all record tables. */
function records(tx: Tx): Kysely<RecordTables> {
  return tx as unknown as Kysely<RecordTables>;
}

function projectOf(record: AnyRecord | null): string {
  return (record as { project_id?: string } | null)?.project_id ?? '';
}

function parseBody(body: unknown): AnyRecord {
  // PostgreSQL may hand back parsed JSON for json columns; SQLite always returns text.
  return (typeof body === 'string' ? JSON.parse(body) : body) as AnyRecord;
}

/**
 * Writes the net changes of one transaction, and the change log entries of kinds with `feed`
 * under `revision` (null when the transaction changed only kinds outside the feed).
 */
export async function persistChanges(tx: Tx, changes: readonly LoggedChange[], revision: number | null): Promise<void> {
  // Each record's JSON once, for its row and its change log entry.
  const bodies = new Map<Change, string>(changes.map((c) => [c, JSON.stringify(c.record)]));
  const byKind = new Map<Kind, Change[]>();
  for (const c of changes) {
    const list = byKind.get(c.kind) ?? [];
    list.push(c);
    byKind.set(c.kind, list);
  }
  for (const [kind, list] of byKind) {
    const table = KINDS[kind].table;
    const puts = list.filter((c) => c.op === 'put');
    const deletes = list.filter((c) => c.op === 'delete').map((c) => c.id);
    for (const ids of chunks(deletes)) await records(tx).deleteFrom(table).where('id', 'in', ids).execute();
    for (const part of chunks(puts)) {
      await records(tx)
        .insertInto(table)
        .values(part.map((c) => ({ id: c.id, project_id: projectOf(c.record), body: bodies.get(c)! })))
        .onConflict((oc) =>
          oc.column('id').doUpdateSet({
            project_id: (eb) => eb.ref('excluded.project_id'),
            body: (eb) => eb.ref('excluded.body'),
          }),
        )
        .execute();
    }
    if (kind === 'port') await persistIpAllocations(tx, list);
  }
  if (revision === null) return;
  const rows = changes
    .filter((c) => KINDS[c.kind].inChangeLog)
    .map((c, seq) => ({
      revision,
      seq,
      kind: c.kind,
      id: c.id,
      op: c.op,
      body: bodies.get(c)!,
      prior: JSON.stringify(c.prior),
    }));
  for (const part of chunks(rows)) await tx.insertInto('changes').values(part).execute();
  await tx
    .updateTable('meta')
    .set({ value: String(revision) })
    .where('key', '=', 'revision')
    .execute();
}

async function persistIpAllocations(tx: Tx, changes: readonly Change[]): Promise<void> {
  for (const ids of chunks(changes.map((c) => c.id))) {
    await tx.deleteFrom('ip_allocations').where('port_id', 'in', ids).execute();
  }
  const rows = changes
    .filter((c) => c.op === 'put')
    .flatMap((c) => {
      const port = c.record as Port;
      return port.fixed_ips.map((f) => ({
        network_id: port.network_id,
        ip_address: f.ip_address,
        subnet_id: f.subnet_id,
        port_id: port.id,
      }));
    });
  for (const part of chunks(rows)) await tx.insertInto('ip_allocations').values(part).execute();
}

export async function loadRecord(tx: Tx, table: string, id: string): Promise<AnyRecord | undefined> {
  const row = await records(tx).selectFrom(table).select('body').where('id', '=', id).executeTakeFirst();
  return row ? parseBody(row.body) : undefined;
}

/** Rows a reload reads at a time: the texts of one batch, not of the whole table, are held at once. */
const LOAD_BATCH = 5000;

/**
 * Every record of a PostgreSQL table in the order they were first written (`seq`, migration
 * 0025_record_order), read in batches after the last `seq` seen. A row written between two
 * batches is in a later batch or in the change log the reload replays after it.
 */
export async function loadRecords(tx: Tx, table: string): Promise<AnyRecord[]> {
  const out: AnyRecord[] = [];
  const seen = new Map<string, string>();
  for (let after = '0'; ; ) {
    const rows = await sql<{ seq: string; body: unknown }>`select seq, body from ${sql.table(table)}
      where seq > ${after} order by seq limit ${LOAD_BATCH}`.execute(tx);
    for (const row of rows.rows) {
      const record = parseBody(row.body);
      shareStrings(record as unknown as Record<string, unknown>, seen);
      out.push(record);
    }
    if (rows.rows.length < LOAD_BATCH) return out;
    after = rows.rows[rows.rows.length - 1]!.seq;
  }
}

export async function readRevision(tx: Tx): Promise<number> {
  const row = await tx.selectFrom('meta').select('value').where('key', '=', 'revision').executeTakeFirst();
  return Number(row?.value ?? 0);
}

/** A row of the change log as the store applies it. */
function committedChange(r: {
  revision: number | string | bigint;
  kind: string;
  id: string;
  op: string;
  body: unknown;
}): CommittedChange {
  return {
    revision: Number(r.revision),
    kind: r.kind as Kind,
    id: r.id,
    op: r.op as 'put' | 'delete',
    record: parseBody(r.body),
  };
}

export async function loadChangesSince(tx: Tx, revision: number, limit: number): Promise<CommittedChange[]> {
  const rows = await tx
    .selectFrom('changes')
    .select(['revision', 'kind', 'id', 'op', 'body'])
    .where('revision', '>', revision)
    .orderBy('revision')
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map(committedChange);
}

/** Change log entries after `revision` up to `until`, with the record before each; at most `limit` rows. */
export async function loadHistory(tx: Tx, revision: number, until: number, limit: number): Promise<HistoryEntry[]> {
  const rows = await tx
    .selectFrom('changes')
    .selectAll()
    .where('revision', '>', revision)
    .where('revision', '<=', until)
    .orderBy('revision')
    .orderBy('seq')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    ...committedChange(r),
    prior: r.prior === null ? undefined : (parseBody(r.prior) as AnyRecord | null),
  }));
}

/** Drops change log entries older than `before`; returns the oldest revision still kept. */
export async function pruneChanges(db: Db, before: number): Promise<number> {
  if (before > 0) await db.deleteFrom('changes').where('revision', '<', before).execute();
  const row = await db.selectFrom('changes').select(sql<number>`min(revision)`.as('oldest')).executeTakeFirst();
  return Number(row?.oldest ?? 0);
}

export { recordId };
