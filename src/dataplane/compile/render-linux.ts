/**
 * The Linux side of a host plan in the operators' own syntax: per namespace its sysctls,
 * devices and addresses (as `ip addr` would list them), routes as `ip route` prints them,
 * floating IP mappings, and iptables as the fragment of `iptables-save` the agent owns
 * (its chains, their rules, and the jumps from built-in chains).
 */
import type { HostPlan, IptablesChainItem, IptablesTable, Origin } from './plan.js';

const TABLE_ORDER: readonly IptablesTable[] = ['filter', 'mangle', 'nat', 'raw'];
/** Built-in chains in the order iptables-save lists their rules. */
const BUILTIN_ORDER = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'];

/** `iptables-save` output restricted to the given chains: declarations, hook jumps, rules. */
export function renderIptablesSave(chains: readonly IptablesChainItem[]): string[] {
  const lines: string[] = [];
  for (const table of TABLE_ORDER) {
    const owned = chains.filter((c) => c.table === table).sort((a, b) => (a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : 0));
    if (owned.length === 0) continue;
    lines.push(`*${table}`);
    for (const c of owned) lines.push(`:${c.chain} - [0:0]`);
    const hooks = owned.flatMap((c) => c.hooks.map((h) => ({ builtin: h, chain: c.chain })));
    hooks.sort((a, b) => BUILTIN_ORDER.indexOf(a.builtin) - BUILTIN_ORDER.indexOf(b.builtin));
    for (const h of hooks) lines.push(`-A ${h.builtin} -j ${h.chain}`);
    for (const c of owned) for (const r of c.rules) lines.push(`-A ${c.chain} ${r}`);
    lines.push('COMMIT');
  }
  return lines;
}

function iptablesOf(plan: HostPlan, netns: string | null, indent: string): string[] {
  const lines: string[] = [];
  for (const family of [4, 6] as const) {
    const chains = plan.iptables.filter((c) => c.netns === netns && c.family === family);
    if (chains.length === 0) continue;
    lines.push(`${indent}${family === 4 ? 'iptables-save' : 'ip6tables-save'}:`);
    for (const l of renderIptablesSave(chains)) lines.push(`${indent}  ${l}`);
  }
  return lines;
}

/** `originLabel` shows an item's origin, as render.ts does for flows. */
export function renderLinux(plan: HostPlan, originLabel: (o: Origin) => string): string[] {
  const lines: string[] = [];
  for (const ns of plan.namespaces) {
    lines.push(`netns ${ns.name}  [${originLabel(ns.origin)}]`);
    for (const s of plan.sysctls.filter((x) => x.netns === ns.name)) lines.push(`  sysctl ${s.key}=${s.value}`);
    for (const p of plan.servicePorts.filter((x) => x.netns === ns.name)) {
      const announce = p.announce ? ' announce' : '';
      lines.push(
        `  device ${p.device} mac ${p.mac} mtu ${p.mtu}, veth peer ${p.bridgePort} on ${p.bridge}${announce}  [${originLabel(p.origin)}]`,
      );
      for (const a of p.addresses) lines.push(`    ${a.includes(':') ? 'inet6' : 'inet'} ${a}`);
    }
    for (const r of plan.routes.filter((x) => x.netns === ns.name)) {
      const via = r.via ? ` via ${r.via}` : '';
      const dev = r.device ? ` dev ${r.device}` : '';
      lines.push(`  route ${r.destination}${via}${dev} proto static`);
    }
    for (const f of plan.floatingIps.filter((x) => x.netns === ns.name)) {
      lines.push(`  floating ip ${f.floatingIpAddress} <-> ${f.fixedIpAddress} on ${f.device}  [${originLabel(f.origin)}]`);
    }
    lines.push(...iptablesOf(plan, ns.name, '  '));
  }
  const host = iptablesOf(plan, null, '  ');
  if (host.length > 0) lines.push('host', ...host);
  return lines;
}
