/**
 * Idle and slow connections do not lock anyone out: a thousand connections that send nothing
 * (or half a request) leave room for a new client, and each of them is closed with a 408
 * NeutronError once `headersTimeout` has passed.
 */
import assert from 'node:assert/strict';
import { type Socket, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { type TestServer, testServer } from './testing/harness.js';

const IDLE = 1000;

describe('connections', () => {
  let s: TestServer;
  let port: number;
  before(async () => {
    s = await testServer({ headersTimeout: 5 });
    await s.quark.app.listen({ host: '127.0.0.1', port: 0 });
    port = (s.quark.app.server.address() as { port: number }).port;
  });
  after(async () => s.close());

  it(`${IDLE} idle connections do not lock out a new client, and are closed with a 408 after headersTimeout`, async () => {
    const answers = new Map<Socket, string>();
    const closed = new Set<Socket>();
    const sockets = await Promise.all(
      Array.from(
        { length: IDLE },
        (_, i) =>
          new Promise<Socket>((resolve, reject) => {
            const socket = connect(port, '127.0.0.1', () => {
              // Half of them start a request and never finish it.
              if (i % 2 === 1) socket.write('GET /v2.0/networks HTTP/1.1\r\nHost: x\r\n');
              resolve(socket);
            });
            socket.on('data', (d) => answers.set(socket, (answers.get(socket) ?? '') + d));
            socket.on('close', () => closed.add(socket));
            socket.on('error', reject);
          }),
      ),
    );
    try {
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`http://127.0.0.1:${port}/v2.0/networks`, {
          headers: { 'x-project-id': 'p', 'x-roles': 'admin' },
          // A hang detector, not a speed goal: a locked-out client waits for the idle ones to go.
          signal: AbortSignal.timeout(4000),
        });
        assert.equal(res.status, 200);
        await res.text();
      }
      for (let i = 0; i < 100 && closed.size < IDLE; i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(closed.size, IDLE, 'every idle connection was closed');
      const first = answers.get(sockets[0]!) ?? '';
      assert.match(first, /^HTTP\/1\.1 408 /);
      assert.match(first, /"type":"HTTPRequestTimeout"/);
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
