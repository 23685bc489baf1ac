/**
 * The servers that share one database, and the short messages they send each other (which
 * server holds which agent's feed, the explain and trace queries relayed to it, their answers).
 * On PostgreSQL they travel as NOTIFY on the peer channel; a message too big for a NOTIFY
 * payload (8000 bytes) waits in the `peer_messages` table and the NOTIFY carries its key. Worker
 * processes of one `quark server --workers N` on a SQLite file have no such channel: their
 * server passes a PeerTransport (its worker IPC) that carries commits and messages alike.
 */
import { randomUUID } from 'node:crypto';

/** A message between servers: `to` one server (by its id) or, without it, to every other one. */
export interface PeerMessage {
  readonly from: string;
  readonly to?: string;
  readonly body: unknown;
}

/** What travels on a PeerTransport. */
export type PeerWire =
  | { readonly kind: 'commit'; readonly from: string; readonly revision: number }
  | { readonly kind: 'message'; readonly message: PeerMessage };

/** A channel to the other processes of one server group (for a SQLite file shared by workers). */
export interface PeerTransport {
  /** Delivers to every other process of the group, in order. */
  send(wire: PeerWire): void;
  onReceive(handler: (wire: PeerWire) => void): void;
}

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more; leave room for the envelope. */
export const NOTIFY_LIMIT = 7000;

/** Each server's id: random per process, so a restarted server is a new peer. */
export function newServerId(): string {
  return randomUUID().slice(0, 8);
}

/** The NOTIFY payload of a message on PostgreSQL: inline, or the key of its `peer_messages` row. */
export type PeerNotice = { readonly f: string; readonly t?: string } & ({ readonly b: unknown } | { readonly ref: string });

export function encodeNotice(message: PeerMessage): { inline: string } | { ref: string; body: string; notice: string } {
  const head = { f: message.from, ...(message.to ? { t: message.to } : {}) };
  const inline = JSON.stringify({ ...head, b: message.body });
  if (Buffer.byteLength(inline) < NOTIFY_LIMIT) return { inline };
  const ref = randomUUID();
  return { ref, body: JSON.stringify(message.body), notice: JSON.stringify({ ...head, ref }) };
}
