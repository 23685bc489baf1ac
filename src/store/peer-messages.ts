/**
 * SQL of the messages between servers on PostgreSQL (peers.ts): a NOTIFY on the peer channel,
 * and the `peer_messages` rows of those too big for one. A row lives until its receiver read
 * it or, for a message to every server, for a minute; each big message sent sweeps older rows.
 */
import { sql } from 'kysely';
import type { Db } from './database.js';
import { PEER_CHANNEL } from './postgres-listener.js';
import { type PeerMessage, type PeerNotice, encodeNotice } from './peers.js';

const KEEP_MS = 60_000;

export async function sendPeerMessage(db: Db, message: PeerMessage): Promise<void> {
  const encoded = encodeNotice(message);
  if ('inline' in encoded) {
    await sql`select pg_notify(${PEER_CHANNEL}, ${encoded.inline})`.execute(db);
    return;
  }
  const now = Date.now();
  await db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('peer_messages')
      .where('created_ms', '<', now - KEEP_MS)
      .execute();
    await trx.insertInto('peer_messages').values({ id: encoded.ref, created_ms: now, body: encoded.body }).execute();
    await sql`select pg_notify(${PEER_CHANNEL}, ${encoded.notice})`.execute(trx);
  });
}

/** The message a NOTIFY payload carries, reading (and, when it was for this server alone, deleting) its row. */
export async function receivePeerMessage(db: Db, notice: PeerNotice): Promise<PeerMessage | null> {
  const head = { from: notice.f, ...(notice.t ? { to: notice.t } : {}) };
  if ('b' in notice) return { ...head, body: notice.b };
  const row = await db.selectFrom('peer_messages').select('body').where('id', '=', notice.ref).executeTakeFirst();
  if (!row) return null;
  if (notice.t) await db.deleteFrom('peer_messages').where('id', '=', notice.ref).execute();
  return { ...head, body: JSON.parse(row.body) as unknown };
}
