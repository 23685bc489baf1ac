/**
 * The Linux bridge part of a plan in the operators' own syntax: the devices as `ip -d link show`
 * describes them, the forwarding entries as `bridge fdb show` prints them and the neighbour
 * entries as `ip neigh show` does, each with the object it exists for.
 */
import type { BridgeUplinkItem, HostPlan } from './plan.js';
import { originLabel } from './render.js';

/** An uplink's kind and parameters as `ip -d link show` prints them. */
export function uplinkDetail(u: BridgeUplinkItem): string {
  switch (u.link.type) {
    case 'vxlan':
      return `vxlan id ${u.link.vni} local ${u.link.local} dstport ${u.link.dstport} ${u.link.udpCsum ? 'udpcsum' : 'noudpcsum'}`;
    case 'vlan':
      return `vlan protocol 802.1Q id ${u.link.vlan} link ${u.link.parent}`;
    case 'physical':
      return 'physical interface';
  }
}

export function renderLinuxBridges(plan: HostPlan): string[] {
  if (plan.linuxBridges.length === 0 && plan.bridgePorts.length === 0) return [];
  const lines: string[] = [];
  for (const b of plan.linuxBridges) {
    lines.push(`link ${b.name}: bridge mtu ${b.mtu} forward_delay 0 stp_state 0  [${originLabel(b.origin)}]`);
    for (const u of plan.bridgeUplinks.filter((x) => x.bridge === b.name)) {
      const mtu = u.mtu === null ? '' : ` mtu ${u.mtu}`;
      lines.push(`  link ${u.name}: ${uplinkDetail(u)}${mtu} master ${b.name} up  [${originLabel(u.origin)}]`);
    }
    for (const p of plan.bridgePorts.filter((x) => x.bridge === b.name)) {
      lines.push(`  link ${p.device}: mtu ${p.mtu} master ${b.name} ${p.up ? 'up' : 'down'}  [${originLabel(p.origin)}]`);
    }
  }
  for (const p of plan.bridgePorts.filter((x) => x.bridge === null)) {
    lines.push(`link ${p.device}: nomaster ${p.up ? 'up' : 'down'}  [${originLabel(p.origin)}]`);
  }
  for (const f of plan.fdbEntries)
    lines.push(`fdb ${f.mac} dev ${f.device} dst ${f.dst} self permanent  [${originLabel(f.origin)}]`);
  for (const n of plan.neighbours)
    lines.push(`neigh ${n.ip} dev ${n.device} lladdr ${n.mac} PERMANENT  [${originLabel(n.origin)}]`);
  return lines;
}
