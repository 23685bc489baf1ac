/**
 * Metering in a qrouter namespace, as Neutron's metering agent writes it with its iptables
 * driver (neutron/services/metering/drivers/iptables/iptables_driver.py), in the filter table:
 *
 *   FORWARD -> quark-meter-FORWARD   -j quark-meter-r-<label>                 (one per label)
 *              quark-meter-r-<label> -s 10.0.0.0/24 -o qg-X -j RETURN         (excluded rules first)
 *                                    -d 10.0.0.0/24 -i qg-X -j quark-meter-l-<label>
 *              quark-meter-l-<label> (one rule matching everything: its counters are the label's)
 *
 * A rule counts what crosses the gateway device: `egress` leaves through it (`-o`), `ingress`
 * arrives through it (`-i`); in FORWARD the source of leaving traffic is still the fixed IP
 * (SNAT comes after) and the destination of arriving traffic already is (DNAT came before). A
 * rule with `source_ip_prefix`/`destination_ip_prefix` matches `-s`/`-d`; a legacy
 * `remote_ip_prefix` matches the source of egress traffic and the destination of ingress
 * traffic, exactly as Neutron's driver reads it. Prefixes are written with host bits cleared and
 * a /0 prefix not at all, as iptables-save prints them; IPv6 rules go to ip6tables (Neutron writes every rule to
 * iptables only). The label chain's rule never changes, so rewriting the rules never resets
 * what it counted. Without a gateway a label's chains exist with no rules. The agent reads the
 * label chains' counters (docs/metering.md).
 */
import { formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import { METERING_FORWARD_CHAIN, meteringChain, qgDevice } from '../../../model/names.js';
import type { MeteringLabelRule } from '../../../model/resources.js';
import type { IptablesChainItem, Origin } from '../plan.js';
import type { RouterView } from './router-view.js';

/** The rule's matches and family, or null when its prefixes cannot meet in one rule (IPv4 with IPv6). */
function matches(rule: MeteringLabelRule, device: string): { family: 4 | 6; text: string } | null {
  const egress = rule.direction === 'egress';
  const source = rule.remote_ip_prefix ? (egress ? rule.remote_ip_prefix : null) : rule.source_ip_prefix;
  const destination = rule.remote_ip_prefix ? (egress ? null : rule.remote_ip_prefix) : rule.destination_ip_prefix;
  const cidrs = [source, destination].map((p) => (p ? parseCidr(p) : null));
  const versions = new Set(cidrs.filter((c) => c !== null).map((c) => c.version));
  if (versions.size !== 1) return null;
  // iptables-save prints no match for a /0 prefix.
  const [s, d] = cidrs.map((c) => (c && c.prefixLength > 0 ? c : null));
  const parts = [s ? `-s ${formatCidr(s)}` : '', d ? `-d ${formatCidr(d)}` : '', `${egress ? '-o' : '-i'} ${device}`];
  return { family: [...versions][0] as 4 | 6, text: parts.filter(Boolean).join(' ') };
}

export function meteringChains(view: RouterView, netns: string): IptablesChainItem[] {
  if (view.meteringLabels.length === 0) return [];
  const device = view.gateway ? qgDevice(view.gateway.port.id) : null;
  const chains: IptablesChainItem[] = [];
  const top: Record<4 | 6, string[]> = { 4: [], 6: [] };
  for (const { label, rules } of view.meteringLabels) {
    const origin: Origin = { kind: 'metering_label', id: label.id };
    const l = meteringChain('l', label.id);
    const r = meteringChain('r', label.id);
    const written: Record<4 | 6, { excluded: string[]; counted: string[] }> = {
      4: { excluded: [], counted: [] },
      6: { excluded: [], counted: [] },
    };
    for (const rule of device ? rules : []) {
      const m = matches(rule, device!);
      if (!m) continue;
      if (rule.excluded) written[m.family].excluded.push(`${m.text} -j RETURN`);
      else written[m.family].counted.push(`${m.text} -j ${l}`);
    }
    for (const family of [4, 6] as const) {
      const w = written[family];
      // IPv4 always, as Neutron; IPv6 where the label has IPv6 rules.
      if (family === 6 && w.excluded.length + w.counted.length === 0) continue;
      top[family].push(`-j ${r}`);
      chains.push(
        {
          kind: 'iptablesChain',
          netns,
          family,
          table: 'filter',
          chain: r,
          rules: [...w.excluded, ...w.counted],
          hooks: [],
          origin,
        },
        { kind: 'iptablesChain', netns, family, table: 'filter', chain: l, rules: [''], hooks: [], origin },
      );
    }
  }
  const origin: Origin = { kind: 'router', id: view.router.id };
  for (const family of [4, 6] as const) {
    if (top[family].length === 0) continue;
    chains.push({
      kind: 'iptablesChain',
      netns,
      family,
      table: 'filter',
      chain: METERING_FORWARD_CHAIN,
      rules: top[family],
      hooks: ['FORWARD'],
      origin,
    });
  }
  return chains;
}
