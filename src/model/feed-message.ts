/**
 * The agent's check of what the feed sends (docs/feed.md): every message's envelope against its
 * schema before anything acts on it, so a server of another version or a garbled line ends the
 * stream with a clear error (the agent then reconnects) instead of failing deep inside a
 * reconcile. The records inside are the server's own store records, typed by FeedRecords; the
 * check holds them to their kind and id.
 */
import { Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { QuarkError } from './errors.js';
import { FEED_KINDS, type FeedMessage } from './feed.js';

const Kind = Type.Union(FEED_KINDS.map((k) => Type.Literal(k)));
const StoreRecord = Type.Object({ id: Type.String({ minLength: 1 }) });
const Revision = Type.Integer({ minimum: 0 });
const DhcpNetworks = Type.Optional(Type.Array(Type.String()));

export const FeedMessageSchema = Type.Union([
  Type.Object({
    type: Type.Literal('snapshot'),
    revision: Revision,
    records: Type.Array(Type.Object({ kind: Kind, record: StoreRecord })),
    dhcpNetworks: DhcpNetworks,
  }),
  Type.Object({
    type: Type.Literal('changes'),
    revision: Revision,
    changes: Type.Array(
      Type.Object({
        kind: Kind,
        id: Type.String({ minLength: 1 }),
        op: Type.Union([Type.Literal('put'), Type.Literal('delete')]),
        record: Type.Union([StoreRecord, Type.Null()]),
      }),
    ),
    dhcpNetworks: DhcpNetworks,
  }),
  Type.Object({ type: Type.Literal('heartbeat'), revision: Revision }),
  Type.Object({
    type: Type.Literal('query'),
    revision: Revision,
    id: Type.String({ minLength: 1 }),
    query: Type.Object({ kind: Type.Union([Type.Literal('explain'), Type.Literal('trace'), Type.Literal('probe')]) }),
  }),
]);

// Compiled once: a snapshot can hold a hundred thousand records.
const check = TypeCompiler.Compile(FeedMessageSchema);

/** One line of the feed, checked. */
export function parseFeedMessage(line: string): FeedMessage {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new QuarkError('FeedMalformed', `feed: a line is not JSON (${line.slice(0, 60)})`);
  }
  if (check.Check(value)) return value as FeedMessage;
  const first = check.Errors(value).First();
  throw new QuarkError('FeedMalformed', `feed: unexpected message at ${first?.path || '/'}: ${first?.message ?? 'invalid'}`, {
    detail: line.slice(0, 4096),
  });
}
