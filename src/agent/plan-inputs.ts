/**
 * Which changes of the feed can change the host's plan. Every change used to cause a pass; most
 * of them on a busy host are echoes of the agents' own reports — a port's status the agent
 * itself reported, a heartbeat refreshing an agent record — and no compiler reads those fields.
 * A pass costs its whole compile (tens of milliseconds with 200 ports), and on a Linux bridge
 * host the pass after each instance's ACTIVE report delayed the next instance's wiring.
 */
import type { FeedChange } from '../model/feed.js';
import type { Agent, Port } from '../model/resources.js';

/** Port fields no compiler reads: the status (judged against the plan below) and the bookkeeping. */
const PORT_BOOKKEEPING = new Set(['status', 'updated_at', 'revision_number']);

function samePortBut(a: Port, b: Port): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    if (PORT_BOOKKEEPING.has(k)) continue;
    if (JSON.stringify(a[k as keyof Port]) !== JSON.stringify(b[k as keyof Port])) return false;
  }
  return true;
}

/** What the compilers read of an agent record: who it is and where it terminates tunnels. */
function sameAgentForPlan(a: Agent, b: Agent): boolean {
  const key = (x: Agent) =>
    JSON.stringify([x.agent_type, x.host, x.configurations.tunneling_ip ?? null, x.configurations.tunnel_types ?? null]);
  return key(a) === key(b);
}

/**
 * Whether `change` may change the plan, given the record it replaces and the port states of the
 * last plan: a port whose status now says what the host has (the echo of the agent's own report,
 * or a port not wired here) and an agent record refreshed by a heartbeat do not.
 */
export function changesPlan(
  change: FeedChange,
  previous: unknown,
  portStates: ReadonlyMap<string, 'ACTIVE' | 'DOWN'> | null,
): boolean {
  if (change.op === 'delete' || previous === undefined || change.record === null) return true;
  if (change.kind === 'port') {
    const now = change.record as Port;
    if (!samePortBut(previous as Port, now)) return true;
    // A status the host disagrees with is reported again by the next pass.
    const state = portStates?.get(now.id);
    return state !== undefined && state !== now.status;
  }
  if (change.kind === 'agent') return !sameAgentForPlan(previous as Agent, change.record as Agent);
  return true;
}
