import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from '../../../model/errors.js';
import { JsonStreamParser } from './json-stream.js';

const MESSAGES = [
  { id: 1, result: ['Open_vSwitch', '_Server'], error: null },
  {
    method: 'update',
    params: ['m1', { Interface: { 'a-b': { new: { name: 'x{y}[z]"q', external_ids: ['map', []] } } } }],
    id: null,
  },
  { id: 'echo', method: 'echo', params: [] },
  { id: 2, result: [{ rows: [{ name: 'brace } in \\ string \\"{' }] }], error: null },
  { id: 3, result: [{ details: 'ünïcødé ✓ 𝄞', error: 'constraint violation' }], error: null },
];
const STREAM = MESSAGES.map((m) => JSON.stringify(m)).join('');

function feed(parser: JsonStreamParser, chunks: readonly (string | Buffer)[]): unknown[] {
  return chunks.flatMap((c) => parser.push(c));
}

describe('JsonStreamParser', () => {
  it('splits messages sent back to back with no delimiter', () => {
    const parser = new JsonStreamParser();
    assert.deepEqual(parser.push(STREAM), MESSAGES);
    assert.equal(parser.pending, 0);
  });

  it('reassembles a message cut at every possible byte, multi-byte characters included', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    for (let cut = 1; cut < bytes.length; cut++) {
      const parser = new JsonStreamParser();
      assert.deepEqual(feed(parser, [bytes.subarray(0, cut), bytes.subarray(cut)]), MESSAGES, `cut at byte ${cut}`);
    }
  });

  it('handles a stream delivered one byte at a time', () => {
    const bytes = Buffer.from(STREAM, 'utf8');
    const parser = new JsonStreamParser();
    const chunks = [...bytes].map((b) => Buffer.from([b]));
    assert.deepEqual(feed(parser, chunks), MESSAGES);
  });

  it('returns nothing until a message is complete and keeps only the unfinished part', () => {
    const parser = new JsonStreamParser();
    const first = JSON.stringify(MESSAGES[0]);
    const second = JSON.stringify(MESSAGES[1]);
    assert.deepEqual(parser.push(first + second.slice(0, 10)), [MESSAGES[0]]);
    assert.equal(parser.pending, 10);
    assert.deepEqual(parser.push(second.slice(10)), [MESSAGES[1]]);
  });

  it('skips whitespace between messages', () => {
    const parser = new JsonStreamParser();
    assert.deepEqual(parser.push(' {"a":1}\n\t{"b":[2,{}]}\r\n '), [{ a: 1 }, { b: [2, {}] }]);
  });

  it('rejects a stream that is not a sequence of JSON objects', () => {
    assert.throws(
      () => new JsonStreamParser().push('[1,2]'),
      (e: unknown) => e instanceof QuarkError && e.code === 'HostCommandFailed',
    );
    assert.throws(() => new JsonStreamParser().push('{"a": tru}'), QuarkError);
  });
});
