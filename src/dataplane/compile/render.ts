/**
 * A host plan in the operators' own syntax: flows as `ovs-ofctl dump-flows` lines with table
 * names, ports as `ovs-vsctl` would describe them. Cookies are shown as the object they stand
 * for, so unrelated changes do not churn golden files and a reader sees where each flow comes
 * from.
 */
import type { FlowItem, HostPlan, Origin } from './plan.js';
import { renderLinuxBridges } from './render-linuxbridge.js';
import { renderNamespaces } from './render-netns.js';
import { renderIpsets, renderIptables } from './render-iptables.js';
import { type BridgeRole, tableName } from './tables.js';
import { INTEGRATION_BRIDGE, TUNNEL_BRIDGE } from '../../model/names.js';

function roleOf(bridge: string): BridgeRole {
  if (bridge === INTEGRATION_BRIDGE) return 'int';
  if (bridge === TUNNEL_BRIDGE) return 'tun';
  return 'phys';
}

export function originLabel(o: Origin): string {
  return o.kind === 'host' ? `host:${o.id}` : `${o.kind}:${o.id.slice(0, 8)}`;
}

export function renderFlow(f: FlowItem): string {
  const match = f.match ? `${f.match} ` : '';
  return `${tableName(roleOf(f.bridge), f.table)}, priority=${f.priority}, ${match}actions=${f.actions}  [${originLabel(f.origin)}]`;
}

function compareFlows(a: FlowItem, b: FlowItem): number {
  if (a.table !== b.table) return a.table - b.table;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.match < b.match ? -1 : a.match > b.match ? 1 : 0;
}

export function renderPlan(plan: HostPlan): string {
  const lines: string[] = [];
  for (const b of plan.bridges) {
    lines.push(`bridge ${b.name} (datapath ${b.datapathType}, fail_mode ${b.failMode})`);
    for (const p of plan.ovsPorts.filter((x) => x.bridge === b.name)) {
      const opts = Object.entries(p.options).map(([k, v]) => `${k}=${v}`);
      lines.push(
        `  port ${p.name} type=${p.type}${p.tag === null ? '' : ` tag=${p.tag}`}${opts.length ? ` options:{${opts.join(', ')}}` : ''}`,
      );
    }
    for (const v of plan.vifBindings.filter((x) => x.bridge === b.name)) {
      lines.push(`  vif ${v.portName} tag=${v.tag}  [${originLabel(v.origin)}]`);
    }
    for (const f of plan.flows.filter((x) => x.bridge === b.name).sort(compareFlows)) lines.push(`  ${renderFlow(f)}`);
  }
  lines.push(...renderLinuxBridges(plan));
  lines.push(...renderNamespaces(plan));
  const vlans = [...plan.localVlans].sort(([, a], [, b]) => a - b);
  lines.push(`local vlans: ${vlans.map(([n, v]) => `${v}=network:${n.slice(0, 8)}`).join(' ') || 'none'}`);
  const states = [...plan.portStates].sort(([a], [b]) => (a < b ? -1 : 1));
  lines.push(`port states: ${states.map(([p, s]) => `${p.slice(0, 8)}=${s}`).join(' ') || 'none'}`);
  for (const l of plan.bandwidthLimits ?? []) {
    lines.push(
      `tc qdisc ${l.device} root tbf rate ${l.maxKbps}kbit burst ${l.burstKbits}kbit  [${l.direction} ${originLabel(l.origin)}]`,
    );
  }
  lines.push(...renderIpsets(plan.ipsets), ...renderIptables(plan.iptables, null, ''));
  return `${lines.join('\n')}\n`;
}
