/**
 * keepalived for an HA router, as Neutron's L3 agent configures it (neutron/agent/linux/
 * keepalived.py, neutron/agent/l3/ha_router.py): one `vrrp_instance` on the router's `ha-`
 * device, every node in state BACKUP with priority 50 and `nopreempt`, so the first node to
 * time out becomes master and keeps the role until it stops advertising. The master holds the
 * primary VIP (the VRRP id inside the first free /24 of 169.254.0.0/16) on `ha-`, every address
 * of the router's `qr-` and `qg-` devices and its floating IPs, port forwardings' included
 * (`virtual_ipaddress_excluded`,
 * IPv6 link-local addresses included) and its default and extra routes (`virtual_routes`,
 * which the kernel shows with `proto keepalived`); a backup holds none of them, so it neither
 * answers ARP nor routes. On becoming master keepalived sends gratuitous ARPs for them, again
 * after `garp_master_delay`.
 *
 *   keepalived -P -f <dir>/keepalived.conf -p <dir>/pid -r <dir>/pid-vrrp
 *
 * Differences from Neutron: VRRPv3 (RFC 5798), whose advertisement interval may be a fraction
 * of a second (Neutron: VRRPv2, whole seconds, default 2 s, which makes a failover take about
 * 7 s), and no VRRP authentication (v3 has none; Neutron's is a clear-text password, off by
 * default). keepalived's notify script writes the state to `<dir>/state` (Neutron runs
 * neutron-keepalived-state-change, which watches the primary VIP, to the same end).
 */
import { parseIp } from '../../../model/ip/address.js';
import { type Cidr, cidrsOverlap, formatCidr, parseCidr } from '../../../model/ip/cidr.js';
import { eui64Address } from '../../../model/ipam.js';
import { haDevice, keepalivedStateDir, qgDevice, qrDevice } from '../../../model/names.js';
import { DEFAULT_HA_SETTINGS, type HostSettings } from '../inputs.js';
import type { DaemonItem, RouteItem } from '../plan.js';
import type { RouterPort, RouterView } from './router-view.js';

/** Neutron's keepalived.HA_DEFAULT_PRIORITY: every node equal, so none preempts. */
export const HA_PRIORITY = 50;
/** Seconds after becoming master before the second round of gratuitous ARPs (Neutron's GARP_PRIMARY_DELAY). */
export const GARP_MASTER_DELAY = 60;

const LINK_LOCAL = parseCidr('fe80::/64')!;
const PRIVATE_RANGE = parseCidr('169.254.0.0/16')!;
/** What the primary VIP's /24 must avoid besides the HA network (Neutron: METADATA_CIDR, DVR_FIP_LL_CIDR). */
const RESERVED = ['169.254.169.254/32', '169.254.64.0/18'].map((c) => parseCidr(c)!);

/** fe80::/64 with the EUI-64 of `mac`: what the kernel would give the device, held by keepalived instead. */
export const linkLocalOf = (mac: string): string => `${eui64Address(LINK_LOCAL, mac)}/64`;

/**
 * The primary VIP: the VRRP id as host part of the first /24 of 169.254.0.0/16 that overlaps
 * neither the metadata address, DVR's range nor the HA network (169.254.0.<vrid>/24 with the
 * default HA cidr), the same on every node (Neutron's get_free_range and get_primary_vip).
 */
export function primaryVip(vrId: number, haCidrs: readonly Cidr[]): string {
  const avoid = [...RESERVED, ...haCidrs];
  for (let n = 0n; n < 256n; n++) {
    const candidate: Cidr = { version: 4, network: PRIVATE_RANGE.network + (n << 8n), prefixLength: 24 };
    if (avoid.some((c) => cidrsOverlap(c, candidate))) continue;
    const text = formatCidr(candidate);
    return `${text.slice(0, text.lastIndexOf('.'))}.${vrId}/24`;
  }
  throw new Error('no free /24 in 169.254.0.0/16 for the primary VIP');
}

const prefixed = (p: RouterPort): string[] => p.addresses.map((a) => `${a.ip}/${a.subnet.cidr.split('/')[1]}`);

/** The addresses keepalived holds on one device while the router is active here. */
export function deviceVips(p: RouterPort, extra: readonly string[] = []): string[] {
  return [...prefixed(p), ...extra, linkLocalOf(p.port.mac_address)];
}

/** `ip route` destinations as keepalived reads them: a prefix always. */
function keepalivedDestination(r: RouteItem): string {
  const v6 = parseIp(r.via ?? '')?.version === 6;
  if (r.destination === 'default') return v6 ? '::/0' : '0.0.0.0/0';
  return r.destination.includes('/') ? r.destination : `${r.destination}/${v6 ? 128 : 32}`;
}

function vipLine(address: string, device: string): string {
  return `        ${address} dev ${device}${address.startsWith('fe80:') ? ' scope link' : ''}`;
}

/** The keepalived.conf of an HA router on this host; `routes` are what a legacy router would route. */
export function keepalivedConfig(view: RouterView, routes: readonly RouteItem[], dir: string, settings: HostSettings): string {
  const ha = view.ha!;
  const haPort = ha.port!;
  const device = haDevice(haPort.port.id);
  const haCidrs = haPort.addresses.map((a) => parseCidr(a.subnet.cidr)!);
  const vips: [string, string][] = [];
  for (const p of view.interfaces) for (const a of deviceVips(p)) vips.push([a, qrDevice(p.port.id)]);
  if (view.gateway) {
    // Floating IPs of port forwardings too, which a legacy router's qg- holds as well (qrouter.ts).
    const addresses = [
      ...view.floatingIps.map((f) => f.floating_ip_address),
      ...view.portForwardings.map((x) => x.fip.floating_ip_address),
    ];
    const fips = [...new Set(addresses)].map((a) => `${a}/32`);
    for (const a of deviceVips(view.gateway, fips)) vips.push([a, qgDevice(view.gateway.port.id)]);
  }
  // Neutron sorts them by address text.
  vips.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const advert = (settings.ha ?? DEFAULT_HA_SETTINGS).advertInterval;
  const lines = [
    'global_defs {',
    '    router_id quark',
    '    script_user root',
    '    enable_script_security',
    '    vrrp_version 3',
    '}',
    `vrrp_instance VR_${ha.vrId} {`,
    '    state BACKUP',
    `    interface ${device}`,
    `    virtual_router_id ${ha.vrId}`,
    `    priority ${HA_PRIORITY}`,
    `    garp_master_delay ${GARP_MASTER_DELAY}`,
    '    nopreempt',
    `    advert_int ${advert}`,
    '    virtual_ipaddress {',
    vipLine(primaryVip(ha.vrId, haCidrs), device),
    '    }',
  ];
  if (vips.length > 0) lines.push('    virtual_ipaddress_excluded {', ...vips.map(([a, d]) => vipLine(a, d)), '    }');
  if (routes.length > 0) {
    lines.push(
      '    virtual_routes {',
      ...routes.map((r) => `        ${keepalivedDestination(r)} via ${r.via}${r.device ? ` dev ${r.device}` : ''}`),
      '    }',
    );
  }
  // keepalived appends: INSTANCE VR_<id> MASTER|BACKUP|FAULT|STOP <priority> ($3 is the state).
  lines.push(`    notify "/bin/sh -c 'echo $3 > ${dir}/state.new && mv ${dir}/state.new ${dir}/state' notify"`, '}');
  return `${lines.join('\n')}\n`;
}

/** The router's keepalived, or null while this host has no HA port for it or the router no VRRP id. */
export function keepalivedItem(
  view: RouterView,
  routes: readonly RouteItem[],
  netns: string,
  settings: HostSettings,
): DaemonItem | null {
  if (!view.ha?.port || view.ha.vrId === 0) return null;
  // The agent's settings allow only state directories that keepalived.conf can quote (settings.ts).
  const dir = keepalivedStateDir(settings.stateDir, view.router.id);
  return {
    kind: 'daemon',
    service: 'keepalived',
    netns,
    dir,
    argv: ['keepalived', '-P', '-f', `${dir}/keepalived.conf`, '-p', `${dir}/pid`, '-r', `${dir}/pid-vrrp`],
    files: { 'keepalived.conf': keepalivedConfig(view, routes, dir, settings) },
    onChange: 'reload',
    childPidFiles: ['pid-vrrp'],
    origin: { kind: 'router', id: view.router.id },
  };
}
