/**
 * The agent's local window (a unix socket in its state directory, root only): what it wants
 * (the plan), how its last passes went and the status of each step's objects, its Prometheus
 * metrics, and a way to force a full resync. Tests and operators read it; nothing here changes
 * the host except `POST /resync`.
 *
 *   curl --unix-socket /var/lib/quark/agent/agent.sock http://agent/status
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import { dirname } from 'node:path';
import { renderPlan } from '../dataplane/compile/render.js';
import type { HostAgent } from './agent.js';

export function statusSocket(stateDir: string): string {
  return `${stateDir}/agent.sock`;
}

export function serveStatus(agent: HostAgent, path: string): Server {
  mkdirSync(dirname(path), { recursive: true });
  rmSync(path, { force: true });
  const server = createServer((req, res) => {
    const send = (status: number, body: unknown, type = 'application/json') => {
      res.writeHead(status, { 'content-type': type });
      res.end(type === 'application/json' ? `${JSON.stringify(body, null, 2)}\n` : String(body));
    };
    if (req.method === 'GET' && req.url === '/status') {
      send(200, agent.status());
    } else if (req.method === 'GET' && req.url === '/plan') {
      send(200, agent.lastPlan ? renderPlan(agent.lastPlan) : 'no plan yet\n', 'text/plain');
    } else if (req.method === 'GET' && req.url === '/metrics') {
      agent.metrics.registry.metrics().then(
        (text) => send(200, text, agent.metrics.registry.contentType),
        (e) => send(500, { error: String(e) }),
      );
    } else if (req.method === 'POST' && req.url === '/resync') {
      agent.schedule(true);
      agent.settled().then(
        () => send(200, agent.status()),
        (e) => send(500, { error: String(e) }),
      );
    } else {
      send(404, { error: 'not found' });
    }
  });
  server.listen(path, () => chmodSync(path, 0o600));
  server.unref();
  return server;
}
