/**
 * What the agent knows of the two things it depends on, the local ovsdb-server and the Quark
 * server, so that losing either is loud rather than a silent wait: an error in the log when the
 * dependency goes away (with the likely cause and fix), again every minute while it stays away,
 * and a line when it is back. The state of OVS also goes into every heartbeat's
 * `configurations` (`ovsdb`), so `GET /v2.0/agents` shows an agent that runs but cannot reach
 * its switch. An agent that cannot reach the server cannot tell it so: the server shows it
 * `alive: false` once its heartbeats stop, and its log says why.
 */
import type { Logger } from 'pino';
import { QuarkError } from '../model/errors.js';

const REPEAT_MS = 60_000;

interface Outage {
  readonly since: string;
  error: string;
  loggedAt: number;
}

/** Why a request to the server failed, in an operator's words, with what to check. */
/** The innermost cause of an error (fetch wraps the socket's error, the client wraps fetch's). */
function rootCause(e: unknown): { code: string; message: string; name: string } {
  let err = e as { cause?: unknown; code?: unknown; message?: string; name?: string };
  for (let depth = 0; depth < 5 && err.cause && typeof err.cause === 'object'; depth++) err = err.cause as typeof err;
  return { code: typeof err.code === 'string' ? err.code : '', message: err.message ?? String(e), name: err.name ?? '' };
}

export function serverProblem(url: string, e: unknown, user: string | null): string {
  const { code, message, name } = rootCause(e);
  if (e instanceof QuarkError && e.code === 'NotAuthenticated')
    return `the server at ${url} refused the agent's credentials${user ? ` (user ${user})` : ''}: check username/password (QUARK_USERNAME, QUARK_PASSWORD in /etc/quark/agent.env; quark admin bootstrap --agent-env writes them)`;
  if (e instanceof QuarkError && (e.code === 'PolicyNotAuthorized' || e.code === 'ForbiddenAction'))
    return `the server at ${url} denied the agent${user ? ` (user ${user})` : ''}: the agents' user needs the admin role on its project (quark admin bootstrap grants it)`;
  if (code === 'ECONNREFUSED')
    return `nothing listens at ${url} (connection refused): is quark-server running there, and is its port open in the controller's firewall?`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `the name in ${url} does not resolve (${code}): check the server setting`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH')
    return `no route to ${url} (${code}): check this host's management address and routes`;
  if (
    name === 'TimeoutError' ||
    (e as Error).name === 'TimeoutError' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    /timeout|aborted/i.test(message)
  )
    return `${url} did not answer in time: a firewall dropping the port, or the server overloaded`;
  return `cannot talk to the server at ${url}: ${message}`;
}

export class AgentHealth {
  private ovs: Outage | null = null;
  private server: Outage | null = null;

  constructor(private readonly log: Logger) {}

  /** The local ovsdb-server did not answer at `socket`. */
  ovsUnreachable(socket: string, e: unknown): void {
    const error = `${(e as Error).message}`;
    const first = this.ovs === null;
    this.ovs ??= { since: new Date().toISOString(), error, loggedAt: 0 };
    this.ovs.error = error;
    if (!first && Date.now() - this.ovs.loggedAt < REPEAT_MS) return;
    this.ovs.loggedAt = Date.now();
    this.log.error(
      { socket, err: error, since: this.ovs.since },
      'cannot reach Open vSwitch (ovsdb-server): the agent wires nothing until it answers; start it (systemctl start openvswitch-switch) or fix ovsRundir; quark host check tells more',
    );
  }

  ovsConnected(socket: string): void {
    if (this.ovs) this.log.info({ socket, since: this.ovs.since }, 'Open vSwitch answers again');
    this.ovs = null;
  }

  serverUnreachable(url: string, e: unknown, user: string | null): void {
    const error = serverProblem(url, e, user);
    const first = this.server === null;
    this.server ??= { since: new Date().toISOString(), error, loggedAt: 0 };
    const changed = this.server.error !== error;
    this.server.error = error;
    if (!first && !changed && Date.now() - this.server.loggedAt < REPEAT_MS) return;
    this.server.loggedAt = Date.now();
    this.log.error(
      { server: url, since: this.server.since },
      `cannot report to the server, which will show this agent as dead: ${error}`,
    );
  }

  serverReachable(url: string): void {
    if (this.server) this.log.info({ server: url, since: this.server.since }, 'the server answers again');
    this.server = null;
  }

  /** For every role's `configurations`: `ovsdb` is 'connected', or why not and since when. */
  configurations(): Record<string, string> {
    return { ovsdb: this.ovs ? `unreachable since ${this.ovs.since}: ${this.ovs.error}` : 'connected' };
  }
}
