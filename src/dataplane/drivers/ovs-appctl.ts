/**
 * Questions to a running ovs-vswitchd (read-only): how it would forward a packet, and its
 * datapath ports.
 *
 *   ovs-appctl ofproto/trace --names br-int in_port=qvo3c9b4a1e-2f,icmp,dl_src=…,nw_dst=10.0.0.3
 *   ovs-appctl dpctl/show
 *   ovs-appctl -t ovs-vswitchd version
 */
import { run } from './exec.js';
import type { OvsEnvironment } from './ovs-ofctl.js';

function env(ovs: OvsEnvironment): Record<string, string> | undefined {
  return ovs.rundir ? { OVS_RUNDIR: ovs.rundir } : undefined;
}

/** The text ofproto/trace prints (it has no side effects: learn actions and MAC learning are suppressed). */
export async function ofprotoTrace(ovs: OvsEnvironment, bridge: string, flow: string): Promise<string> {
  const { stdout } = await run(['ovs-appctl', 'ofproto/trace', '--names', bridge, flow], { env: env(ovs), timeoutMs: 10_000 });
  return stdout;
}

export async function dpctlShow(ovs: OvsEnvironment): Promise<string> {
  const { stdout } = await run(['ovs-appctl', 'dpctl/show'], { env: env(ovs), timeoutMs: 10_000 });
  return stdout;
}

/** `ovs-appctl -t ovs-vswitchd version`: whether ovs-vswitchd runs and answers its control socket. */
export async function vswitchdVersion(ovs: OvsEnvironment): Promise<string> {
  const { stdout } = await run(['ovs-appctl', '-t', 'ovs-vswitchd', 'version'], { env: env(ovs), timeoutMs: 5_000 });
  return stdout.trim().split('\n')[0] ?? '';
}
