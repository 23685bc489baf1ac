/**
 * A lab for host tests: a unique prefix, the fabric and nodes with OVS, a server in this
 * process on the controller's management address (noauth, in-memory store), the nodes' agents
 * as real processes, and helpers to make instances. `close()` removes everything, failure
 * included, and fails if anything with the prefix is left.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import type { AgentStatus } from '../agent/agent.js';
import { statusSocket } from '../agent/status-server.js';
import { QuarkClient } from '../client/client.js';
import { loadConfig } from '../model/config.js';
import type { TunnelType } from '../model/names.js';
import { L2_AGENT_TYPES, type Network, type Port } from '../model/resources.js';
import { type QuarkApp, buildApp } from '../server/app.js';
import { type ServerConfig, ServerConfigSchema } from '../server/config.js';
import { Store } from '../store/store.js';
import { DEFAULT_ADDRESSES, freeManagementNetwork } from '../lab/fabric.js';
import { Lab, type LabNodeSpec } from '../lab/lab.js';
import { leftovers, uniquePrefix } from './host.js';

export interface TestLab {
  readonly lab: Lab;
  readonly store: Store;
  readonly quark: QuarkApp;
  /** An admin client of the server. */
  readonly api: QuarkClient;
  /** A client acting as a member of `project`. */
  as(project: string): QuarkClient;
  /** Creates a port bound to `node`, plugs it into namespace `netns` there and gives it its address statically. */
  instance(node: string, netns: string, port: Record<string, unknown>): Promise<Port>;
  /** Waits until `check()` holds (polling every 20 ms); throws with `what` after `timeoutMs`. */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Restarts the in-process server on the same address and store file. */
  restartServer(): Promise<void>;
  close(): Promise<void>;
}

/** A request to the status socket of a lab node's agent (`GET /status`, `POST /resync`). */
export function agentStatus(t: TestLab, node: string, path = '/status', method = 'GET'): Promise<AgentStatus> {
  const socketPath = statusSocket(join(t.lab.node(node).handle.dir, 'state'));
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as AgentStatus);
        } catch (e) {
          reject(e);
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** A port's first fixed address. */
export const ipOf = (p: Port): string => p.fixed_ips[0]!.ip_address;

/** A project's network with one IPv4 subnet, made through the lab's API. */
export async function projectNetwork(t: TestLab, project: string, cidr = '10.0.0.0/24'): Promise<Network> {
  const { network } = await t.api.post<{ network: Network }>('/v2.0/networks', {
    network: { name: `${project}-net`, project_id: project },
  });
  await t.api.post('/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr, project_id: project } });
  return network;
}

/** The summary line of `ping` output: packets transmitted and received. */
export function pingCounts(stdout: string): { sent: number; received: number } {
  const m = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  return { sent: Number(m?.[1] ?? 0), received: Number(m?.[2] ?? 0) };
}

export interface TestLabOptions {
  readonly nodes: readonly LabNodeSpec[];
  readonly tunnelType?: TunnelType;
  readonly server?: Partial<ServerConfig>;
  /** Give instances their fixed IP statically (true) or leave addressing to the test (false). */
  readonly staticAddresses?: boolean;
  /** Extra environment of the agents (`QUARK_*` settings). */
  readonly agentEnv?: Record<string, string>;
}

/**
 * A management network no other lab on this machine routes: the management bridge lives in
 * the root namespace, so two labs (tests of several engineers at once) on the same /24 would
 * steal each other's replies. Picks a free 198.19.N.0/24 (the other half of the benchmarking range).
 */
/** A management network of its own, in 198.19.0.0/16 so tests never meet a lab a user brought up; a random start keeps parallel test files apart. */
export function testManagementNetwork(): string {
  const routes = execFileSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' });
  return freeManagementNetwork(routes, `198.19.${Math.floor(Math.random() * 200)}.0/24`);
}

export async function testLab(options: TestLabOptions): Promise<TestLab> {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const tunnelType = options.tunnelType ?? 'gre';
  const db = join(dir, 'quark.db');
  const config = loadConfig(ServerConfigSchema, {
    flags: { db, logLevel: 'silent', auth: 'noauth', tenantNetworkTypes: [tunnelType], quotaPort: -1, ...options.server },
  });
  let lab: Lab | null = null;
  let store: Store | null = null;
  let quark: QuarkApp | null = null;
  const close = async () => {
    await quark?.app.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    await lab?.down();
    rmSync(dir, { recursive: true, force: true });
    const left = leftovers(prefix);
    if (left.length > 0) throw new Error(`the lab left: ${left.join(', ')}`);
  };
  try {
    lab = await Lab.create({
      prefix,
      dir,
      addresses: { ...DEFAULT_ADDRESSES, management: testManagementNetwork() },
      tunnelType,
      serverPort: port,
      nodes: options.nodes,
      logLevel: 'debug',
    });
    const start = async () => {
      store = await Store.open({ url: db });
      quark = await buildApp({ config, store });
      await quark.app.listen({ host: lab!.fabric.controllerIp, port });
    };
    await start();
    lab.agentEnv = options.agentEnv ?? {};
    lab.startAgents();
    const api = new QuarkClient({ url: lab.serverUrl, credentials: { project: 'admin', roles: ['admin'] } });
    const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const l2Agents = options.nodes.filter((n) => n.roles.includes('l2')).length;
    await until(
      'the agents to report',
      () => store!.view.all('agent').filter((a) => L2_AGENT_TYPES.includes(a.agent_type)).length >= l2Agents,
    );
    return {
      lab,
      get store() {
        return store!;
      },
      get quark() {
        return quark!;
      },
      api,
      as: (project) => new QuarkClient({ url: lab!.serverUrl, credentials: { project, roles: ['member'] } }),
      async instance(node, netns, attrs) {
        const created = (
          await api.post<{ port: Port }>('/v2.0/ports', {
            port: { ...attrs, 'binding:host_id': node, device_owner: 'compute:nova' },
          })
        ).port;
        await lab!.plug(node, created.id, netns);
        if (options.staticAddresses !== false) {
          const net = (
            await api.get<{ subnets: { id: string; cidr: string }[] }>(`/v2.0/subnets?network_id=${created.network_id}`)
          ).subnets;
          for (const f of created.fixed_ips) {
            const prefixLength = net.find((s) => s.id === f.subnet_id)?.cidr.split('/')[1] ?? '24';
            await lab!.exec(node, ['ip', 'addr', 'add', `${f.ip_address}/${prefixLength}`, 'dev', 'eth0'], netns);
          }
        }
        return created;
      },
      until,
      async restartServer() {
        await quark!.app.close();
        await store!.close();
        await start();
      },
      close,
    };
  } catch (e) {
    await close().catch(() => undefined);
    throw e;
  }
}
