/**
 * DHCP and L3 scheduling with three `quark server` processes on one real PostgreSQL and two
 * network nodes whose real agents each run an L2, a DHCP and an L3 agent (docs/scale-out.md).
 * Every server gives each network and router the same agent, and the hosts hold each qdhcp and
 * qrouter namespace exactly once, while the routers and networks are created through all three
 * servers at once. Restarting one server, or all of them for longer than agentDownTime, records
 * no agent dead and moves nothing. An agent that dies is recorded dead once (one write in the
 * change log although three servers judge it), its routers and networks move to the other node
 * on every server, and come back when it returns.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ADDRESSES } from '../lab/fabric.js';
import { Lab } from '../lab/lab.js';
import { type PrivatePostgres, startPostgres } from '../store/testing/private-postgres.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { testManagementNetwork } from '../testing/lab-harness.js';
import { type ServerProcess, startServerProcess } from './testing/server-process.js';

const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };
const NODES = ['net1', 'net2'] as const;
/** Seconds: agents report every second, so three lost reports in a row would be needed to move anything. */
const DOWN_TIME = 4;

interface AgentRecord {
  readonly id: string;
  readonly host: string;
  readonly agent_type: string;
  readonly alive: boolean;
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: ADMIN,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${base}${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, any>) : {};
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('scheduling with three servers on one PostgreSQL', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const base = 20000 + Math.floor(Math.random() * 20000);
  const ports = [base, base + 1, base + 2];
  let pg: PrivatePostgres | null = null;
  let lab: Lab | null = null;
  const servers: (ServerProcess | null)[] = [null, null, null];
  const urls = () => servers.filter((s): s is ServerProcess => s?.alive() === true).map((s) => s.url);
  const networks: string[] = [];
  const routers: string[] = [];

  const start = (i: number) =>
    startServerProcess({
      env: { QUARK_DB: pg!.url('quark_sched'), QUARK_AGENT_DOWN_TIME: String(DOWN_TIME) },
      args: ['--host', lab!.fabric.controllerIp, '--port', String(ports[i]), '--auth', 'noauth'],
    }).then((s) => {
      servers[i] = s;
    });

  const agents = async (url: string) => (await call(url, 'GET', '/v2.0/agents')).agents as AgentRecord[];

  /** Where one server places every network (its DHCP agents' hosts) and router (its L3 agent's host). */
  const placement = async (url: string): Promise<string> => {
    const all = await agents(url);
    const hostOf = (id: string) => all.find((a) => a.id === id)?.host ?? `unknown ${id}`;
    const lines: string[] = [];
    for (const id of networks) {
      const { agents: serving } = await call(url, 'GET', `/v2.0/networks/${id}/dhcp-agents`);
      lines.push(`qdhcp-${id} ${serving.map((a: AgentRecord) => hostOf(a.id)).join(',')}`);
    }
    for (const id of routers) {
      const { agents: serving } = await call(url, 'GET', `/v2.0/routers/${id}/l3-agents`);
      lines.push(`qrouter-${id} ${serving.map((a: AgentRecord) => hostOf(a.id)).join(',')}`);
    }
    return lines.join('\n');
  };

  /** Where the hosts really hold the namespaces, in the same form. */
  const onHosts = async (): Promise<string> => {
    const held = new Map<string, string[]>();
    for (const node of NODES) {
      const { stdout } = await lab!.exec(node, ['ip', 'netns', 'list']);
      for (const line of stdout.split('\n')) {
        const name = line.split(' ')[0];
        if (name?.startsWith('qdhcp-') || name?.startsWith('qrouter-')) held.set(name, [...(held.get(name) ?? []), node]);
      }
    }
    const names = [...networks.map((id) => `qdhcp-${id}`), ...routers.map((id) => `qrouter-${id}`)];
    return names.map((n) => `${n} ${(held.get(n) ?? []).join(',')}`).join('\n');
  };

  /** Every live server places everything once, all the same; returns that placement. */
  const agreed = async (): Promise<string | null> => {
    const seen = await Promise.all(urls().map(placement));
    const first = seen[0]!;
    const once = first.split('\n').every((l) => /^\S+ [^,\s]+$/.test(l));
    return once && seen.every((p) => p === first) ? first : null;
  };

  /** How often the change log recorded each agent going from alive to dead. */
  const deaths = (): Map<string, number> => {
    const out = pg!.query(
      'quark_sched',
      `select id, count(*) from changes where kind = 'agent' and body::jsonb->>'alive' = 'false'
         and (prior is null or prior::jsonb->>'alive' is distinct from 'false') group by id`,
    );
    return new Map(
      out
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const [id, n] = l.split('|');
          return [id!, Number(n)];
        }),
    );
  };

  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_sched');
    lab = await Lab.create({
      prefix,
      dir: join(dir, 'lab'),
      addresses: { ...DEFAULT_ADDRESSES, management: testManagementNetwork() },
      tunnelType: 'gre',
      serverPort: ports[0]!,
      moreServerPorts: ports.slice(1),
      nodes: NODES.map((name) => ({ name, roles: ['l2', 'dhcp', 'l3'] as const })),
      logLevel: 'debug',
    });
    lab.agentEnv = { QUARK_REPORT_INTERVAL: '1' };
    await start(0);
    await Promise.all([start(1), start(2)]);
    lab.startAgents();
    await until('six agents report alive', async () => (await agents(urls()[1]!)).filter((a) => a.alive).length === 6);
  });

  after(async () => {
    for (const s of servers) await s?.stop().catch(() => undefined);
    await lab?.down();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
    const left = leftovers(prefix);
    if (left.length > 0) throw new Error(`the test left: ${left.join(', ')}`);
  });

  it('places each network and router once, the same on every server and on the hosts', async () => {
    // Three servers create at once: each one schedules what it created while the others do.
    await Promise.all(
      urls().map(async (url, i) => {
        for (let k = 0; k < 2; k++) {
          const { network } = await call(url, 'POST', '/v2.0/networks', { network: { name: `n${i}-${k}` } });
          const { subnet } = await call(url, 'POST', '/v2.0/subnets', {
            subnet: { network_id: network.id, ip_version: 4, cidr: `10.${i}.${k}.0/24` },
          });
          const { router } = await call(url, 'POST', '/v2.0/routers', { router: { name: `r${i}-${k}` } });
          await call(url, 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: subnet.id });
          networks.push(network.id);
          routers.push(router.id);
        }
      }),
    );
    await until('every server places everything once, the same', async () => (await agreed()) !== null, 10_000);
    const placed = await agreed();
    await until('the hosts hold each namespace where the servers place it', async () => (await onHosts()) === placed);
  });

  it('moves nothing when a server restarts, nor when all of them are away longer than agentDownTime', async () => {
    const placed = (await agreed())!;
    assert.ok(placed);
    // One server killed and started again while the others serve.
    process.kill(servers[0]!.pid, 'SIGKILL');
    await servers[0]!.stop();
    servers[0] = null;
    await sleep(DOWN_TIME * 500);
    await start(0);
    for (let k = 0; k < DOWN_TIME * 3; k++) {
      assert.equal(await agreed(), placed, 'placement unchanged after one server restarted');
      await sleep(500);
    }
    // The whole control plane away for twice agentDownTime: no heartbeat can be written anywhere.
    for (const [i, s] of servers.entries()) {
      await s!.stop();
      servers[i] = null;
    }
    await sleep(DOWN_TIME * 2000);
    await Promise.all([0, 1, 2].map(start));
    for (let k = 0; k < DOWN_TIME * 3; k++) {
      assert.equal(await agreed(), placed, 'placement unchanged after every server restarted');
      assert.ok((await agents(urls()[k % 3]!)).every((a) => a.alive));
      await sleep(500);
    }
    assert.equal(await onHosts(), placed);
    assert.deepEqual([...deaths()], [], 'no agent was ever recorded dead');
  });

  it('reschedules once when an agent dies, and back when it returns; every server agrees', async () => {
    const placed = (await agreed())!;
    assert.match(placed, / net1$/m, 'net1 serves something to move');
    await lab!.stopAgent('net1', 'SIGKILL');
    const net1 = (await agents(urls()[0]!)).filter((a) => a.host === 'net1').map((a) => a.id);
    await until('net1’s agents recorded dead on every server', async () => {
      const views = await Promise.all(urls().map(agents));
      return views.every((v) => v.filter((a) => net1.includes(a.id)).every((a) => !a.alive));
    });
    const moved = placed.replace(/ net1$/gm, ' net2');
    await until('every server places everything on net2', async () => (await agreed()) === moved, 10_000);
    // Three servers judged net1's agents; the store serialised them: each was recorded dead once.
    assert.deepEqual([...deaths()].sort(), net1.map((id) => [id, 1]).sort());
    // The host of the survivor takes them up (net1's namespaces stay with its dead agent).
    await until('net2 holds every namespace', async () =>
      (await onHosts()).split('\n').every((l) => / (net1,)?net2$|net2,net1$/.test(l)),
    );

    lab!.startAgent('net1');
    await until('everything back where it was', async () => (await agreed()) === placed);
    await until('the hosts follow', async () => (await onHosts()) === placed);
    assert.deepEqual([...deaths()].sort(), net1.map((id) => [id, 1]).sort(), 'recorded dead once, revived once');
  });
});
