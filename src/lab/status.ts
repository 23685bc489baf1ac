/**
 * Which of the lab's processes run now, read from /proc rather than from the pids `lab up`
 * recorded: the server listening on the lab's port (after a restart by hand it has another
 * pid), each node's keeper and agent. `lab status` reports from it; restarts stop what it finds.
 */
import { run } from '../dataplane/drivers/exec.js';
import { QUARK_MAIN, type Lab } from './lab.js';
import { alive, listeningPid, netnsInode, processesWith } from './processes.js';

export interface ServerState {
  readonly pid: number | null;
  readonly serving: boolean;
}

/** The server: the pid listening on the lab's port and whether it answers `/healthz`. */
export async function serverState(lab: Lab, url: string): Promise<ServerState> {
  const pid = listeningPid(lab.options.serverPort);
  let serving = false;
  try {
    serving = (await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok;
  } catch {
    // not answering
  }
  return { pid, serving };
}

/** The pid of the agent running in the node now (recorded, or found by its command line), or null. */
export function agentPid(lab: Lab, node: string): number | null {
  const n = lab.node(node);
  if (n.agentPid !== null && alive(n.agentPid)) return n.agentPid;
  const inode = netnsInode(`/run/netns/${n.handle.netns}`);
  if (inode === null) return null;
  return processesWith(inode, [QUARK_MAIN, 'agent', node])[0] ?? null;
}

/** Whether the node's keeper (which holds its namespaces) lives. */
export const nodeAlive = (lab: Lab, node: string): boolean => alive(lab.node(node).handle.keeperPid);

/** Where the lab's internet host sends `dst` (`ip route get`): the next hop, `direct` when on-link, or null (no route). */
export async function internetRoute(lab: Lab, dst: string): Promise<string | null> {
  try {
    const { stdout } = await run(['ip', 'netns', 'exec', lab.fabric.internetNetns, 'ip', '-j', 'route', 'get', dst]);
    const route = (JSON.parse(stdout) as { gateway?: string }[])[0];
    return route ? (route.gateway ?? 'direct') : null;
  } catch {
    return null;
  }
}
