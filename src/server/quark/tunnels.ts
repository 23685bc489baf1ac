/**
 * Hosts and their tunnel endpoints, as their L2 agents report them (`configurations.tunneling_ip`):
 * which host is behind a tunnel's remote address, and which address a host's tunnels start from.
 */
import { type AgentType, L2_AGENT_TYPES } from '../../model/resources.js';
import type { ReadView } from '../../store/view.js';

/** Whether an agent of this type is a host's L2 agent (Open vSwitch or Linux bridge). */
export const isL2 = (type: AgentType): boolean => L2_AGENT_TYPES.includes(type);

/** The host whose L2 agent terminates tunnels at `ip`. */
export function tunnelHost(view: ReadView, ip: string): string | null {
  return view.all('agent').find((a) => isL2(a.agent_type) && a.configurations.tunneling_ip === ip)?.host ?? null;
}

/** The address `host`'s tunnels start from. */
export function tunnelIpOf(view: ReadView, host: string): string | null {
  const ip = view.all('agent').find((a) => a.host === host && isL2(a.agent_type))?.configurations.tunneling_ip;
  return typeof ip === 'string' ? ip : null;
}
