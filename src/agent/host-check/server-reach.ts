/**
 * Whether this host's agent can work with its server: the server answers (`GET /healthz`), the
 * agent's credentials log in, and the login may read the agents (the admin role the agent
 * needs). The answer's Date header also gives the clock difference between the two machines.
 */
import { QuarkClient } from '../../client/client.js';
import type { Agent } from '../../model/resources.js';
import type { AgentConfig } from '../config.js';
import { serverProblem } from '../health.js';
import { agentCredentials } from '../main.js';

export type ServerReach =
  | {
      readonly ok: true;
      readonly url: string;
      readonly user: string | null;
      /** The agents the server has for this host's name: type and whether alive. */
      readonly ownAgents: readonly { readonly type: string; readonly alive: boolean }[];
      readonly skewSeconds: number | null;
    }
  | {
      readonly ok: false;
      readonly url: string;
      readonly stage: 'connect' | 'login';
      readonly problem: string;
      readonly skewSeconds: number | null;
    };

const TIMEOUT_MS = 5_000;

/** With several servers (a comma-separated `server`), the first that works, else the first one's problem. */
export async function reachServer(config: AgentConfig, host: string): Promise<ServerReach> {
  const urls = config.server
    .split(',')
    .map((u) => u.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  let first: ServerReach | null = null;
  for (const url of urls) {
    const reach = await reachOne(config, url, host);
    if (reach.ok) return reach;
    first ??= reach;
  }
  return first ?? reachOne(config, config.server, host);
}

async function reachOne(config: AgentConfig, url: string, host: string): Promise<ServerReach> {
  const user = config.username || null;
  let skewSeconds: number | null = null;
  try {
    const sent = Date.now();
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    const date = Date.parse(res.headers.get('date') ?? '');
    // The Date header has whole seconds: half the round trip and one second are noise.
    if (!Number.isNaN(date)) skewSeconds = Math.round((date - (sent + Date.now()) / 2) / 1000);
  } catch (e) {
    return { ok: false, url, stage: 'connect', problem: serverProblem(url, e, user), skewSeconds };
  }
  try {
    const client = new QuarkClient({ url, credentials: agentCredentials(config), timeoutMs: TIMEOUT_MS });
    const { agents } = await client.get<{ agents: (Agent & { alive: boolean })[] }>('/v2.0/agents');
    const ownAgents = agents.filter((a) => a.host === host).map((a) => ({ type: a.agent_type, alive: a.alive }));
    return { ok: true, url, user, ownAgents, skewSeconds };
  } catch (e) {
    return { ok: false, url, stage: 'login', problem: serverProblem(url, e, user), skewSeconds };
  }
}
