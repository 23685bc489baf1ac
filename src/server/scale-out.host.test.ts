/**
 * Three `quark server` processes on one real PostgreSQL, two hosts with real agents, OVS and
 * instances (docs/scale-out.md). Writes go to all three servers; every server reads what any
 * of them acknowledged (a client bringing its revision cookie at once, any client within
 * milliseconds); every server's feed carries every server's writes in revision order; the
 * server one agent streams from is killed while two instances ping each other every 10 ms:
 * no packet is lost, the agent resumes on another server from its revision (the change log,
 * no snapshot), later changes reach it, and explain reaches it through any server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_ADDRESSES } from '../lab/fabric.js';
import { Lab } from '../lab/lab.js';
import type { Port } from '../model/resources.js';
import { type PrivatePostgres, startPostgres } from '../store/testing/private-postgres.js';
import { leftovers, uniquePrefix } from '../testing/host.js';
import { pingCounts, testManagementNetwork } from '../testing/lab-harness.js';
import { FeedReader } from './testing/feed-reader.js';
import { type ServerProcess, startServerProcess } from './testing/server-process.js';

const ADMIN = { 'x-project-id': 'admin-project', 'x-roles': 'admin', 'content-type': 'application/json' };
const NO_QUOTAS = Object.fromEntries(['NETWORK', 'SUBNET', 'PORT', 'SECURITY_GROUP_RULE'].map((q) => [`QUARK_QUOTA_${q}`, '-1']));

interface Answer {
  readonly status: number;
  readonly body: Record<string, any>;
  readonly revision: number;
}

/** A client that keeps the revision cookie, as the openstack CLI's HTTP session does. */
class Client {
  revision = 0;
  constructor(private readonly keepCookie: boolean) {}

  async call(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
    const headers: Record<string, string> = { ...ADMIN };
    if (this.keepCookie && this.revision > 0) headers.cookie = `quark-revision=${this.revision}`;
    const res = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(20_000),
    });
    const text = await res.text();
    const revision = Number(/quark-revision=(\d+)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? 0);
    this.revision = Math.max(this.revision, revision);
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : {}, revision };
  }

  async ok(base: string, method: string, path: string, body?: unknown): Promise<Record<string, any>> {
    const a = await this.call(base, method, path, body);
    if (a.status >= 300) throw new Error(`${method} ${base}${path}: ${a.status} ${JSON.stringify(a.body)}`);
    return a.body;
  }
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('three servers on one PostgreSQL, agents failing over', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  let pg: PrivatePostgres | null = null;
  let lab: Lab | null = null;
  const servers: ServerProcess[] = [];
  let urls: string[] = [];
  const admin = new Client(true);
  let net: { id: string };
  let watched: { id: string };

  before(async () => {
    pg = await startPostgres();
    pg.createDatabase('quark_scaleout');
    const base = 20000 + Math.floor(Math.random() * 20000);
    const ports = [base, base + 1, base + 2];
    lab = await Lab.create({
      prefix,
      dir,
      addresses: { ...DEFAULT_ADDRESSES, management: testManagementNetwork() },
      tunnelType: 'gre',
      serverPort: ports[0]!,
      moreServerPorts: ports.slice(1),
      nodes: [
        { name: 'compute1', roles: ['l2'] },
        { name: 'compute2', roles: ['l2'] },
      ],
      logLevel: 'debug',
    });
    const start = (port: number) =>
      startServerProcess({
        env: { QUARK_DB: pg!.url('quark_scaleout'), ...NO_QUOTAS },
        args: ['--host', lab!.fabric.controllerIp, '--port', String(port), '--auth', 'noauth'],
      });
    // The first one migrates the empty database; the others start together.
    servers.push(await start(ports[0]!));
    servers.push(...(await Promise.all(ports.slice(1).map(start))));
    urls = servers.map((s) => s.url);
    lab.startAgents();
    await until('both agents report', async () => {
      const { agents } = await admin.ok(urls[1]!, 'GET', '/v2.0/agents');
      return agents.filter((a: { alive: boolean }) => a.alive).length === 2;
    });
  });

  after(async () => {
    for (const s of servers) await s.stop().catch(() => undefined);
    await lab?.down();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
    const left = leftovers(prefix);
    if (left.length > 0) throw new Error(`the test left: ${left.join(', ')}`);
  });

  it('spreads writes over the servers; each reads them at once with the revision cookie, all agree', async () => {
    net = (await admin.ok(urls[0]!, 'POST', '/v2.0/networks', { network: { name: 'net' } })).network;
    await admin.ok(urls[1]!, 'POST', '/v2.0/subnets', {
      subnet: { network_id: net.id, ip_version: 4, cidr: '10.0.0.0/24', name: 'sub' },
    });
    // One client, one server after the other: its next request goes to the next server.
    for (let k = 0; k < 30; k++) {
      const { port } = await admin.ok(urls[k % 3]!, 'POST', '/v2.0/ports', { port: { network_id: net.id, name: `p${k}` } });
      const read = await admin.call(urls[(k + 1) % 3]!, 'GET', `/v2.0/ports/${port.id}`);
      assert.equal(read.status, 200, `port ${k} written on server ${k % 3} is read on server ${(k + 1) % 3}`);
    }
    // Three clients without cookies write at once, one per server; soon every server lists the same.
    const writers = urls.map(async (url, i) => {
      const own = new Client(false);
      for (let k = 0; k < 20; k++) await own.ok(url, 'POST', '/v2.0/networks', { network: { name: `w${i}-${k}` } });
    });
    await Promise.all(writers);
    const listed = async (url: string) =>
      ((await new Client(false).ok(url, 'GET', '/v2.0/networks?fields=id')).networks as { id: string }[]).map((n) => n.id).sort();
    await until('every server lists the same 61 networks', async () => {
      const lists = await Promise.all(urls.map(listed));
      return lists.every((l) => l.length === 61 && JSON.stringify(l) === JSON.stringify(lists[0]));
    });
  });

  it('carries every server’s writes on every server’s feed, in revision order', async () => {
    watched = (await admin.ok(urls[2]!, 'POST', '/v2.0/networks', { network: { name: 'watched' } })).network;
    await admin.ok(urls[0]!, 'POST', '/v2.0/ports', { port: { network_id: watched.id, 'binding:host_id': 'watcher' } });
    const feeds = urls.map((url) => new FeedReader(url, 'host=watcher&roles=l2&since=0', ADMIN));
    for (const f of feeds) await f.until((ms) => ms.length > 0, 10_000);
    const created: string[] = [];
    await Promise.all(
      urls.map(async (url, i) => {
        const own = new Client(false);
        for (let k = 0; k < 15; k++)
          created.push(
            (await own.ok(url, 'POST', '/v2.0/ports', { port: { network_id: watched.id, name: `f${i}-${k}` } })).port.id,
          );
      }),
    );
    const putIds = (f: FeedReader) =>
      new Set(f.messages.flatMap((m) => (m.type === 'changes' ? m.changes.filter((c) => c.op === 'put').map((c) => c.id) : [])));
    for (const [i, f] of feeds.entries()) {
      await f.until(() => created.every((id) => putIds(f).has(id)), 10_000);
      const revisions = f.messages.filter((m) => m.type !== 'heartbeat').map((m) => m.revision);
      for (let k = 1; k < revisions.length; k++) assert.ok(revisions[k]! > revisions[k - 1]!, `feed of server ${i}: in order`);
    }
    // Every feed ends where a snapshot of any server starts.
    const snapshot = new FeedReader(urls[1]!, 'host=watcher&roles=l2&since=0', ADMIN);
    await snapshot.until((ms) => ms.length > 0);
    snapshot.close();
    const truth = snapshot.replica();
    await Promise.all(feeds.map((f) => f.until(() => f.replica().revision >= truth.revision, 10_000)));
    for (const f of feeds) {
      f.close();
      const replica = f.replica();
      for (const [key, record] of truth.records)
        if (!key.startsWith('agent ')) assert.deepEqual(replica.records.get(key), record, key);
    }
  });

  it('loses no packet when the server an agent streams from is killed: it resumes elsewhere from its revision', async () => {
    const l = lab!;
    const instance = async (url: string, node: string, netns: string) => {
      const { port } = (await admin.ok(url, 'POST', '/v2.0/ports', {
        port: { network_id: net.id, 'binding:host_id': node, device_owner: 'compute:nova', port_security_enabled: false },
      })) as { port: Port };
      await l.plug(node, port.id, netns);
      await l.exec(node, ['ip', 'addr', 'add', `${port.fixed_ips[0]!.ip_address}/24`, 'dev', 'eth0'], netns);
      await until(`${netns} ACTIVE`, async () => (await admin.ok(url, 'GET', `/v2.0/ports/${port.id}`)).port.status === 'ACTIVE');
      return port;
    };
    const vm1 = await instance(urls[1]!, 'compute1', 'vm1');
    const vm2 = await instance(urls[2]!, 'compute2', 'vm2');
    const streamsFrom = (s: ServerProcess) =>
      s
        .log()
        .split('\n')
        .filter((line) => line.includes('agent feed attached') && line.includes('"host":"compute1"'));
    const victim = servers.findIndex(
      (s) => streamsFrom(s).length > 0 && servers.every((o) => o === s || streamsFrom(o).length === 0),
    );
    assert.ok(victim >= 0, 'compute1 streams from one server');
    const survivors = servers.filter((_, i) => i !== victim);

    const ping = l.exec('compute1', ['ping', '-c', '800', '-i', '0.01', '-W', '1', vm2.fixed_ips[0]!.ip_address], 'vm1');
    // Writes go on meanwhile, to every server (those to the dead one fail).
    let writing = true;
    const writes = (async () => {
      const own = new Client(false);
      for (let k = 0; writing; k++) {
        await own
          .call(urls[k % 3]!, 'POST', '/v2.0/ports', { port: { network_id: watched.id, name: `k${k}` } })
          .catch(() => null);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 2000));
    process.kill(servers[victim]!.pid, 'SIGKILL');
    const result = await ping;
    writing = false;
    await writes;
    const counts = pingCounts(result.stdout);
    assert.equal(counts.sent, 800);
    assert.equal(counts.received, counts.sent, 'no packet lost');

    await until('compute1 streams from a surviving server', () => survivors.some((s) => streamsFrom(s).length > 0));
    const resumed = survivors.flatMap(streamsFrom).map((line) => JSON.parse(line) as { since: number; start: string });
    assert.ok(resumed.length > 0 && resumed.every((r) => r.since > 0 && r.start === 'log'), JSON.stringify(resumed));
    const agentLog = readFileSync(join(l.node('compute1').handle.dir, 'log', 'agent.log'), 'utf8');
    assert.match(agentLog, /feed connected/);

    // Later changes reach compute1 through its new server.
    const vm3 = await instance(survivors[0]!.url, 'compute1', 'vm3');
    const again = await l.exec('compute2', ['ping', '-c', '3', '-i', '0.2', '-W', '2', vm3.fixed_ips[0]!.ip_address], 'vm2');
    assert.equal(pingCounts(again.stdout).received, 3);
    assert.ok(vm1.id);

    // Explain reaches compute1 through either survivor, whichever one it streams from.
    for (const s of survivors) {
      const { explanation } = await admin.ok(s.url, 'GET', '/v2.0/quark/explain/hosts/compute1');
      assert.deepEqual(explanation.missing, [], `explain through ${s.url}`);
      assert.equal(explanation.hosts[0].host, 'compute1');
      assert.ok(explanation.hosts[0].items.length > 0);
    }
    // Nobody was rescheduled: both agents stayed alive throughout.
    const { agents } = await admin.ok(survivors[1]!.url, 'GET', '/v2.0/agents');
    assert.ok(agents.every((a: { alive: boolean }) => a.alive));
    const lists = await Promise.all(
      survivors.map(async (s) =>
        ((await admin.ok(s.url, 'GET', '/v2.0/ports?fields=id')).ports as { id: string }[]).map((p) => p.id).sort(),
      ),
    );
    assert.deepEqual(lists[0], lists[1], 'the survivors agree');
  });
});
