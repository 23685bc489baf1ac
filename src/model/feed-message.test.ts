import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from './errors.js';
import { parseFeedMessage } from './feed-message.js';

const refusal = (line: string) => {
  try {
    parseFeedMessage(line);
  } catch (e) {
    assert.ok(e instanceof QuarkError);
    assert.equal(e.code, 'FeedMalformed');
    return e.message;
  }
  assert.fail('accepted');
};

describe('the feed messages an agent accepts', () => {
  it('reads each type the server sends', () => {
    const snapshot = parseFeedMessage(
      JSON.stringify({
        type: 'snapshot',
        revision: 7,
        records: [{ kind: 'network', record: { id: 'n', name: 'x' } }],
        dhcpNetworks: ['n'],
      }),
    );
    assert.equal(snapshot.type, 'snapshot');
    const changes = parseFeedMessage(
      JSON.stringify({
        type: 'changes',
        revision: 8,
        changes: [
          { kind: 'port', id: 'p', op: 'put', record: { id: 'p' } },
          { kind: 'port', id: 'q', op: 'delete', record: null },
        ],
      }),
    );
    assert.equal(changes.revision, 8);
    assert.equal(parseFeedMessage('{"type":"heartbeat","revision":9}').type, 'heartbeat');
    const query = parseFeedMessage(
      JSON.stringify({ type: 'query', revision: 9, id: 'a', query: { kind: 'explain', refs: null } }),
    );
    assert.equal(query.type === 'query' && query.query.kind, 'explain');
  });

  it('refuses what it cannot act on, saying where', () => {
    assert.match(refusal('{"type":"heartbeat"'), /not JSON/);
    assert.match(refusal('{"type":"heartbeat","revision":-1}'), /unexpected message/);
    assert.match(refusal('{"type":"resync","revision":1}'), /unexpected message/);
    assert.match(
      refusal(
        JSON.stringify({ type: 'changes', revision: 1, changes: [{ kind: 'widget', id: 'w', op: 'put', record: { id: 'w' } }] }),
      ),
      /unexpected message/,
    );
    assert.match(
      refusal(JSON.stringify({ type: 'snapshot', revision: 1, records: [{ kind: 'port', record: {} }] })),
      /unexpected/,
    );
  });
});
