/**
 * The namespace sections of a plan in the operators' own syntax: per namespace its veth
 * service ports and addresses as `ip` would set them, its routes as `ip route` lines, its
 * sysctls, the dnsmasq serving in it with its command line and files as written, the floating
 * IPs a router serves and its iptables as an `iptables-save` fragment.
 */
import { portsWords } from '../../model/port-forwarding.js';
import type { HostPlan } from './plan.js';
import { originLabel } from './render.js';
import { renderIptables } from './render-iptables.js';

function indent(text: string, prefix: string): string[] {
  return text === ''
    ? [`${prefix}(empty)`]
    : text
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => `${prefix}${l}`);
}

export function renderNamespaces(plan: HostPlan): string[] {
  const lines: string[] = [];
  for (const ns of [...plan.namespaces].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    lines.push(`netns ${ns.name}  [${originLabel(ns.origin)}]`);
    for (const p of plan.servicePorts.filter((x) => x.netns === ns.name)) {
      lines.push(
        `  link ${p.device} (veth peer ${p.bridgePort} on ${p.bridge}) address ${p.mac} mtu ${p.mtu}  [${originLabel(p.origin)}]`,
      );
      if (p.linkLocal === false) lines.push(`  link set dev ${p.device} addrgenmode none`);
      for (const a of p.addresses) lines.push(`  addr ${a} dev ${p.device}`);
      for (const a of p.vips ?? []) lines.push(`  vip ${a} dev ${p.device} (keepalived, where active)`);
    }
    for (const r of plan.routes.filter((x) => x.netns === ns.name)) {
      lines.push(`  route ${r.destination}${r.via ? ` via ${r.via}` : ''}${r.device ? ` dev ${r.device}` : ''}`);
    }
    for (const s of plan.sysctls.filter((x) => x.netns === ns.name)) lines.push(`  sysctl ${s.key}=${s.value}`);
    for (const d of plan.dnsmasq.filter((x) => x.netns === ns.name)) {
      lines.push('  dnsmasq \\', ...d.args.map((a, i) => `      ${a}${i < d.args.length - 1 ? ' \\' : ''}`));
      for (const [name, content] of Object.entries(d.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
        lines.push(`  file ${d.dir}/${name}`, ...indent(content, '    '));
      }
    }
    for (const d of plan.daemons.filter((x) => x.netns === ns.name)) {
      lines.push(`  ${d.service} (${d.onChange} on change): ${d.argv.join(' ')}  [${originLabel(d.origin)}]`);
      for (const [name, content] of Object.entries(d.files).sort(([a], [b]) => (a < b ? -1 : 1))) {
        lines.push(`  file ${d.dir}/${name}`, ...indent(content, '    '));
      }
    }
    for (const f of plan.floatingIps.filter((x) => x.netns === ns.name)) {
      lines.push(`  floating ip ${f.floatingIpAddress} <-> ${f.fixedIpAddress} on ${f.device}  [${originLabel(f.origin)}]`);
    }
    for (const f of (plan.portForwardings ?? []).filter((x) => x.netns === ns.name)) {
      lines.push(
        `  port forwarding ${f.protocol} ${f.floatingIpAddress}:${portsWords(f.externalPorts)} -> ${f.internalIpAddress}:${portsWords(f.internalPorts)} on ${f.device}  [${originLabel(f.origin)}]`,
      );
    }
    lines.push(...renderIptables(plan.iptables, ns.name, '  '));
  }
  return lines;
}
