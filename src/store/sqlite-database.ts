/**
 * SQLite behind the store: one file in WAL mode, one connection shared by Kysely (migrations,
 * the feed's change log reads) and by the synchronous session (sqlite-writer.ts) that every
 * write transaction runs on.
 */
import { accessSync, constants } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { QuarkError } from '../model/errors.js';
import type { OpenedDatabase, StoreTimeouts, Tables } from './database.js';
import { SqliteWriter } from './sqlite-writer.js';

/**
 * The file opened in WAL mode, or an error that names it and says why: SQLite itself only says
 * "unable to open database file", so a directory that cannot be written (a read-only disk, its
 * permissions) is named as the reason.
 */
function open(file: string): SQLite.Database {
  try {
    const database = new SQLite(file);
    database.pragma('journal_mode = WAL');
    return database;
  } catch (e) {
    const error = e as Error & { code?: string };
    let why = `${error.message}${error.code ? ` (${error.code})` : ''}`;
    if (file !== ':memory:') {
      try {
        accessSync(dirname(file), constants.W_OK);
      } catch (access) {
        why += `; its directory cannot be written: ${(access as Error).message}`;
      }
    }
    throw new QuarkError('StoreFailure', `cannot open the SQLite database ${file}: ${why}`, { cause: e });
  }
}

export function openSqlite(path: string, timeouts: StoreTimeouts): OpenedDatabase {
  const file = path.startsWith('sqlite:') ? path.slice('sqlite:'.length) : path;
  const database = open(file);
  // WAL + NORMAL: a commit survives a process crash; only an OS crash can lose the last ones.
  database.pragma('synchronous = NORMAL');
  // better-sqlite3 waits for a lock held by another process on the event loop's thread: keep
  // the wait short, a write that cannot get the lock in time is a 503 (and the store probes).
  database.pragma(`busy_timeout = ${Math.round(timeouts.statementMs)}`);
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database }) });
  const session = new SqliteWriter(database);
  return {
    db,
    dialect: 'sqlite',
    session,
    target: file,
    writeTransaction: (body) => {
      // IMMEDIATE takes SQLite's write lock up front, so a second process on the same file
      // waits (busy_timeout) instead of failing at commit.
      session.begin();
      try {
        const out = body(session);
        if (out instanceof Promise) throw new Error('a SQLite write transaction must not await');
        session.commit();
        return out;
      } catch (e) {
        session.rollback();
        throw e;
      }
    },
    probe: () => session.probe(),
  };
}
