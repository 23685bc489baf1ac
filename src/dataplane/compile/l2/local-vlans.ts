/**
 * Local VLANs: every network present on the host gets a VLAN id on br-int, as Neutron's agent
 * does. A network keeps its VLAN for as long as it is present, also across agent restarts (the
 * existing map comes from the host); new networks take the lowest free id, in id order, so the
 * result depends only on the inputs.
 */
import { MAX_LOCAL_VLAN } from '../tables.js';

export function assignLocalVlans(present: ReadonlySet<string>, existing: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const [net, vlan] of existing) {
    if (present.has(net) && vlan >= 1 && vlan <= MAX_LOCAL_VLAN && !used.has(vlan)) {
      out.set(net, vlan);
      used.add(vlan);
    }
  }
  let next = 1;
  for (const net of [...present].sort()) {
    if (out.has(net)) continue;
    while (used.has(next)) next++;
    if (next > MAX_LOCAL_VLAN) break;
    out.set(net, next);
    used.add(next);
  }
  return out;
}
