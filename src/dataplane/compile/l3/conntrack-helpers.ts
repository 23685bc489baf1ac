/**
 * Conntrack helpers of a router, as Neutron's L3 agent extension writes them
 * (neutron/agent/l3/extensions/conntrack_helper.py), in the raw table of both families:
 *
 *   raw PREROUTING -> quark-l3-cth          -j quark-l3-cth-<id>     (one per helper)
 *                     quark-l3-cth-<id>     -p tcp -m tcp --dport 21 -j CT --helper ftp
 *
 * Every connection through the router to that port is handed to the kernel's helper, which
 * reads the protocol's payload and expects the related connections it announces (an FTP data
 * connection), and with NAT rewrites the addresses inside it.
 */
import { conntrackHelperChain, l3Chain } from '../../../model/names.js';
import type { IptablesChainItem } from '../plan.js';
import type { RouterView } from './router-view.js';

export function conntrackHelperChains(view: RouterView, netns: string): IptablesChainItem[] {
  if (view.conntrackHelpers.length === 0) return [];
  const out: IptablesChainItem[] = [];
  for (const family of [4, 6] as const) {
    const dispatch: string[] = [];
    for (const c of view.conntrackHelpers) {
      const chain = conntrackHelperChain(c.id);
      dispatch.push(`-j ${chain}`);
      const rule = `-p ${c.protocol} -m ${c.protocol} --dport ${c.port} -j CT --helper ${c.helper}`;
      out.push({
        kind: 'iptablesChain',
        netns,
        family,
        table: 'raw',
        chain,
        rules: [rule],
        hooks: [],
        origin: { kind: 'conntrack_helper', id: c.id },
      });
    }
    const origin = { kind: 'router', id: view.router.id } as const;
    out.push({
      kind: 'iptablesChain',
      netns,
      family,
      table: 'raw',
      chain: l3Chain('cth'),
      rules: dispatch,
      hooks: ['PREROUTING'],
      origin,
    });
  }
  return out;
}
