/**
 * The store's session on SQLite: synchronous, with prepared statements kept across writes.
 * better-sqlite3 is synchronous anyway; going through Kysely's async driver cost a statement
 * compilation, a prepare and several promise hops per statement, which dominated a port create.
 * Because every call answers at once, a write transaction runs from BEGIN to COMMIT without
 * yielding to the event loop. Same tables, same rows, same change log as persist.ts.
 */
import type SQLite from 'better-sqlite3';
import type { Port } from '../model/resources.js';
import type { LoggedChange, Session } from './database.js';
import { type AnyRecord, KINDS, type Kind } from './kinds.js';
import { shareStrings } from './shared-strings.js';
import type { Change, CommittedChange } from './view.js';

export class SqliteWriter implements Session {
  private readonly statements = new Map<string, SQLite.Statement>();

  constructor(private readonly db: SQLite.Database) {}

  private stmt(sql: string): SQLite.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  revision(): number {
    const row = this.stmt("select value from meta where key = 'revision'").get() as { value: string } | undefined;
    return Number(row?.value ?? 0);
  }

  begin(): void {
    // IMMEDIATE takes the write lock now, so another process on the file waits (busy_timeout).
    this.stmt('begin immediate').run();
  }

  commit(): void {
    this.stmt('commit').run();
  }

  rollback(): void {
    if (this.db.inTransaction) this.stmt('rollback').run();
  }

  /** Writes one transaction's net changes and, when `revision` is not null, its change log. */
  persist(changes: readonly LoggedChange[], revision: number | null): void {
    // Each record's JSON once, for its row and its change log entry.
    const bodies = changes.map((c) => JSON.stringify(c.record));
    for (const [i, c] of changes.entries()) {
      const table = KINDS[c.kind].table;
      if (c.op === 'delete') this.stmt(`delete from ${table} where id = ?`).run(c.id);
      else {
        this.stmt(
          `insert into ${table} (id, project_id, body) values (?, ?, ?) on conflict(id) do update set project_id = excluded.project_id, body = excluded.body`,
        ).run(c.id, projectOf(c.record), bodies[i]);
      }
      if (c.kind === 'port') this.allocations(c);
    }
    if (revision === null) return;
    let seq = 0;
    const insert = this.stmt('insert into changes (revision, seq, kind, id, op, body, prior) values (?, ?, ?, ?, ?, ?, ?)');
    for (const [i, c] of changes.entries()) {
      if (KINDS[c.kind as Kind].inChangeLog) insert.run(revision, seq++, c.kind, c.id, c.op, bodies[i], JSON.stringify(c.prior));
    }
    this.stmt("update meta set value = ? where key = 'revision'").run(String(revision));
  }

  /** Change log entries after `revision`, in order. */
  changesSince(revision: number): CommittedChange[] {
    const rows = this.stmt('select revision, kind, id, op, body from changes where revision > ? order by revision, seq').all(
      revision,
    ) as {
      revision: number;
      kind: Kind;
      id: string;
      op: 'put' | 'delete';
      body: string;
    }[];
    return rows.map((r) => ({
      revision: Number(r.revision),
      kind: r.kind,
      id: r.id,
      op: r.op,
      record: JSON.parse(r.body) as AnyRecord,
    }));
  }

  /**
   * Every record of a table, parsed row by row as SQLite hands them over: the texts die young
   * instead of all being held (90 MB at 100,000 ports) until the last one is parsed. Rowid
   * order is the order the records were first written (an upsert keeps a row's rowid).
   */
  records(table: string): AnyRecord[] {
    const out: AnyRecord[] = [];
    const seen = new Map<string, string>();
    for (const body of this.stmt(`select body from ${table} order by rowid`).pluck().iterate() as IterableIterator<string>) {
      const record = JSON.parse(body) as Record<string, unknown>;
      shareStrings(record, seen);
      out.push(record as unknown as AnyRecord);
    }
    return out;
  }

  /**
   * Fails now when the database cannot take a write: takes the write lock without waiting and
   * touches a row, then rolls back (SQLITE_BUSY, SQLITE_READONLY… are thrown).
   */
  probe(): void {
    const wait = this.db.pragma('busy_timeout', { simple: true }) as number;
    this.db.pragma('busy_timeout = 0');
    try {
      this.begin();
      try {
        this.stmt("update meta set value = value where key = 'revision'").run();
      } finally {
        this.rollback();
      }
    } finally {
      this.db.pragma(`busy_timeout = ${wait}`);
    }
  }

  private allocations(c: Change): void {
    this.stmt('delete from ip_allocations where port_id = ?').run(c.id);
    if (c.op !== 'put') return;
    const port = c.record as Port;
    const insert = this.stmt('insert into ip_allocations (network_id, ip_address, subnet_id, port_id) values (?, ?, ?, ?)');
    for (const f of port.fixed_ips) insert.run(port.network_id, f.ip_address, f.subnet_id, port.id);
  }
}

function projectOf(record: AnyRecord | null): string {
  return (record as { project_id?: string } | null)?.project_id ?? '';
}
