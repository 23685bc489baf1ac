/**
 * Port forwardings in a qrouter namespace, as Neutron's L3 agent extension writes them
 * (neutron/agent/l3/extensions/port_forwarding.py) under the `quark-l3-` prefix:
 *
 *   nat quark-l3-PREROUTING   -j quark-l3-fip-pf                      (after the floating IPs' DNAT)
 *       quark-l3-fip-pf       -j quark-l3-pf-<id>                     (one per forwarding)
 *       quark-l3-pf-<id>      -d FIP/32 -p tcp -m tcp --dport 2222 -j DNAT --to-destination 10.0.0.4:22
 *
 * A range N-N maps port by port (`--dport 200:210 … --to-destination 10.0.0.4:100-110/200`), a
 * range to one port maps every port to it. Replies are un-NATed by conntrack; the instance's own
 * connections leave with the gateway address, and an instance reaching a forwarded port from
 * inside takes the router's hairpin SNAT, as for any floating IP (nat.ts). The floating IP's
 * address is on the qg- device (qrouter.ts). Forwardings of protocols without ports (Neutron
 * accepts icmp and ipv6-icmp) get no rule.
 */
import { PORTED_PROTOCOLS } from '../../../model/api/extensions/port-forwarding.js';
import { l3Chain, portForwardingChain, qgDevice } from '../../../model/names.js';
import type { IptablesChainItem, PortForwardingItem } from '../plan.js';
import type { RouterView } from './router-view.js';

/** `--dport` of a range: `2222` or `200:210`. */
const dport = (range: string) => {
  const [a, b] = range.split(':');
  return a === b ? a! : range;
};

/**
 * `--to-destination` of a forwarding: one internal port, or a range shifted from the first
 * external port (Neutron's extract_ports: `100-110/200`).
 */
function destination(ip: string, internal: string, external: string): string {
  const [i0, i1] = internal.split(':') as [string, string];
  if (i0 === i1) return `${ip}:${i0}`;
  return `${ip}:${i0}-${i1}/${external.split(':')[0]}`;
}

export interface PortForwardingPart {
  readonly items: PortForwardingItem[];
  readonly chains: IptablesChainItem[];
  /** Rules for quark-l3-PREROUTING (the jump to quark-l3-fip-pf, when there are forwardings). */
  readonly prerouting: string[];
}

export function portForwardingPart(view: RouterView, netns: string): PortForwardingPart {
  const forwarded = view.gateway ? view.portForwardings.filter((x) => PORTED_PROTOCOLS.has(x.pf.protocol)) : [];
  if (forwarded.length === 0 || !view.gateway) return { items: [], chains: [], prerouting: [] };
  const device = qgDevice(view.gateway.port.id);
  const items: PortForwardingItem[] = [];
  const chains: IptablesChainItem[] = [];
  const dispatch: string[] = [];
  for (const { pf, fip } of forwarded) {
    const chain = portForwardingChain(pf.id);
    const origin = { kind: 'port_forwarding', id: pf.id } as const;
    dispatch.push(`-j ${chain}`);
    const p = pf.protocol;
    const rule = `-d ${fip.floating_ip_address}/32 -p ${p} -m ${p} --dport ${dport(pf.external_port_range)} -j DNAT --to-destination ${destination(pf.internal_ip_address, pf.internal_port_range, pf.external_port_range)}`;
    chains.push({ kind: 'iptablesChain', netns, family: 4, table: 'nat', chain, rules: [rule], hooks: [], origin });
    items.push({
      kind: 'portForwarding',
      netns,
      device,
      floatingIpId: fip.id,
      floatingIpAddress: fip.floating_ip_address,
      protocol: p,
      externalPorts: dport(pf.external_port_range),
      internalIpAddress: pf.internal_ip_address,
      internalPorts: dport(pf.internal_port_range),
      origin,
    });
  }
  const origin = { kind: 'router', id: view.router.id } as const;
  chains.unshift({
    kind: 'iptablesChain',
    netns,
    family: 4,
    table: 'nat',
    chain: l3Chain('fip-pf'),
    rules: dispatch,
    hooks: [],
    origin,
  });
  return { items, chains, prerouting: [`-j ${l3Chain('fip-pf')}`] };
}
