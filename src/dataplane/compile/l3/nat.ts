/**
 * NAT inside a qrouter namespace, in the layout of Neutron's modern legacy router
 * (neutron/agent/l3/router_info.py) under the `quark-l3-` prefix. Rules are written exactly as
 * `iptables-save` prints them, so the driver reads back what it wrote and a second pass has
 * nothing to change.
 *
 *   nat PREROUTING  -> quark-l3-PREROUTING   -d FIP/32 -j DNAT --to-destination FIXED
 *   nat OUTPUT      -> quark-l3-OUTPUT       (the same, for the router's own traffic)
 *   nat POSTROUTING -> quark-l3-POSTROUTING  ! -o qg-X -m conntrack ! --ctstate DNAT -j ACCEPT
 *                                            -j quark-l3-snat
 *                      quark-l3-snat         -j quark-l3-float-snat
 *                                            -o qg-X -j SNAT --to-source GW       (enable_snat)
 *                                            -m mark ! --mark 0x2/0xffff -m conntrack --ctstate DNAT
 *                                              -j SNAT --to-source GW              (hairpin)
 *                      quark-l3-float-snat   -s FIXED/32 -j SNAT --to-source FIP
 *   mangle PREROUTING -> quark-l3-mark       -i qg-X -j MARK --set-xmark 0x2/0xffff
 *
 * Traffic between the router's subnets is never NATed (the ACCEPT); traffic leaving through
 * the gateway takes its floating IP, else the gateway address when SNAT is enabled; an
 * instance reaching another instance's floating IP through the router is SNATed so the reply
 * comes back through the router (hairpin), unless the packet came in from outside (mark 0x2).
 * Neutron's `neutron-postrouting-bottom` (appended to POSTROUTING to reach `snat` last) is the
 * last rule of quark-l3-POSTROUTING here: the driver hooks one chain per built-in chain.
 * The skeleton exists in every router, so setting or clearing a gateway changes rules only.
 *
 * With a metadata proxy (Neutron's metadata driver and initialize_metadata_iptables):
 *
 *   mangle quark-l3-mark        -d 169.254.169.254/32 -i qr-+ -p tcp --dport 80 -j MARK 0x1/0xffff
 *   nat    quark-l3-PREROUTING  -d 169.254.169.254/32 -i qr-+ -p tcp --dport 80 -j REDIRECT --to-ports 9697
 *   filter INPUT -> quark-l3-INPUT      -m mark --mark 0x1/0xffff -j ACCEPT
 *                                       -p tcp --dport 9697 -j DROP   (nothing else reaches the proxy)
 *   filter FORWARD -> quark-l3-FORWARD  -m mark --mark 0x1/0xffff -j DROP (a marked request is never routed on)
 */
import { METADATA_ACCESS_MARK, METADATA_ADDRESS } from '../../../model/metadata.js';
import { l3Chain, qgDevice } from '../../../model/names.js';
import type { IptablesChainItem, IptablesTable, Origin } from '../plan.js';
import { type RouterView, gatewayIpv4 } from './router-view.js';

/** Set on packets that enter from the external network (Neutron's `external_ingress_mark`). */
export const EXTERNAL_INGRESS_MARK = '0x2/0xffff';

function chain(
  netns: string,
  table: IptablesTable,
  name: Parameters<typeof l3Chain>[0],
  rules: readonly string[],
  origin: Origin,
  hook?: string,
): IptablesChainItem {
  return { kind: 'iptablesChain', netns, family: 4, table, chain: l3Chain(name), rules, hooks: hook ? [hook] : [], origin };
}

const metadataRequest = `-d ${METADATA_ADDRESS}/32 -i qr-+ -p tcp -m tcp --dport 80`;

/**
 * The router's NAT chains; `metadataPort` (a proxy listens there) adds the metadata redirect and
 * its guards; `forwarding` are rules ending quark-l3-PREROUTING (the jump to the port forwardings).
 */
export function natChains(
  view: RouterView,
  netns: string,
  metadataPort: number | null = null,
  forwarding: readonly string[] = [],
): IptablesChainItem[] {
  const origin: Origin = { kind: 'router', id: view.router.id };
  const redirect = metadataPort === null ? [] : [`${metadataRequest} -j REDIRECT --to-ports ${metadataPort}`];
  const prerouting: string[] = [];
  const floatSnat: string[] = [];
  const postrouting: string[] = [];
  const snat = [`-j ${l3Chain('float-snat')}`];
  const mark = metadataPort === null ? [] : [`${metadataRequest} -j MARK --set-xmark ${METADATA_ACCESS_MARK}`];
  for (const f of view.floatingIps) {
    prerouting.push(`-d ${f.floating_ip_address}/32 -j DNAT --to-destination ${f.fixed_ip_address}`);
    floatSnat.push(`-s ${f.fixed_ip_address}/32 -j SNAT --to-source ${f.floating_ip_address}`);
  }
  const gw = gatewayIpv4(view);
  if (view.gateway && gw) {
    const qg = qgDevice(view.gateway.port.id);
    postrouting.push(`! -o ${qg} -m conntrack ! --ctstate DNAT -j ACCEPT`);
    if (view.router.external_gateway_info?.enable_snat !== false) snat.push(`-o ${qg} -j SNAT --to-source ${gw.ip}`);
    snat.push(`-m mark ! --mark ${EXTERNAL_INGRESS_MARK} -m conntrack --ctstate DNAT -j SNAT --to-source ${gw.ip}`);
    mark.push(`-i ${qg} -j MARK --set-xmark ${EXTERNAL_INGRESS_MARK}`);
  }
  postrouting.push(`-j ${l3Chain('snat')}`);
  const chains = [
    chain(netns, 'nat', 'PREROUTING', [...redirect, ...prerouting, ...forwarding], origin, 'PREROUTING'),
    chain(netns, 'nat', 'OUTPUT', prerouting, origin, 'OUTPUT'),
    chain(netns, 'nat', 'POSTROUTING', postrouting, origin, 'POSTROUTING'),
    chain(netns, 'nat', 'snat', snat, origin),
    chain(netns, 'nat', 'float-snat', floatSnat, origin),
    chain(netns, 'mangle', 'mark', mark, origin, 'PREROUTING'),
  ];
  if (metadataPort === null) return chains;
  const accessMark = `-m mark --mark ${METADATA_ACCESS_MARK}`;
  return [
    ...chains,
    chain(
      netns,
      'filter',
      'INPUT',
      [`${accessMark} -j ACCEPT`, `-p tcp -m tcp --dport ${metadataPort} -j DROP`],
      origin,
      'INPUT',
    ),
    chain(netns, 'filter', 'FORWARD', [`${accessMark} -j DROP`], origin, 'FORWARD'),
  ];
}
