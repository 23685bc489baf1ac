/**
 * What an agent knows about the names of things on its host: the API objects of its replica
 * by id, by id prefix (flow cookies carry 40 bits of an id), by MAC and by the devices named
 * after them (tap/qbr/qvb/qvo/qr-/qg-/ns- + 11 characters of a port id), the networks behind
 * local VLANs and tunnel keys, and the hosts behind tunnel ports. Explain and trace use it to
 * tie what the host shows to the objects that caused it, and to say so in words.
 */
import { cookieOf, decodeCookie } from '../dataplane/compile/cookies.js';
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import type { Network, Port } from '../model/resources.js';
import { portForwardingWords } from '../model/port-forwarding.js';
import type { ObjectRef, RefKind } from '../model/trace.js';

const DEVICE = /^(tap|qbr|qvb|qvo|qr-|qg-|ns-)([0-9a-f-]{11})$/;

const short = (id: string) => id.slice(0, 8);

export class Labels {
  private readonly byMac = new Map<string, Port[]>();
  private readonly byDevicePrefix = new Map<string, Port>();
  private readonly vlanNetwork = new Map<number, string>();
  private readonly tunnelHosts = new Map<string, { host: string; ip: string }>();

  constructor(
    readonly replica: ReplicaView,
    readonly plan: HostPlan | null,
  ) {
    for (const p of replica.ports.values()) {
      const mac = p.mac_address.toLowerCase();
      this.byMac.set(mac, [...(this.byMac.get(mac) ?? []), p]);
      this.byDevicePrefix.set(p.id.slice(0, 11), p);
    }
    for (const [net, vlan] of plan?.localVlans ?? []) this.vlanNetwork.set(vlan, net);
    for (const p of plan?.ovsPorts ?? []) {
      const host = p.externalIds['quark-remote-host'];
      if (host && p.options.remote_ip) this.tunnelHosts.set(p.name, { host, ip: p.options.remote_ip });
    }
  }

  /** `port vm2 (270c41a8)`, `network test1-net (b4c355d9)`, `host compute`. */
  label(ref: ObjectRef): string {
    if (ref.kind === 'host') return `host ${ref.id}`;
    if (ref.kind === 'port') {
      const p = this.replica.ports.get(ref.id);
      if (p && !p.name) return this.unnamedPort(p);
    }
    const pf = ref.kind === 'port_forwarding' ? this.replica.portForwardings?.get(ref.id) : undefined;
    if (pf) {
      const fip = this.replica.floatingips.get(pf.floatingip_id)?.floating_ip_address ?? '?';
      return `${portForwardingWords(pf, fip)} (${short(ref.id)})`;
    }
    const name = this.record(ref)?.name;
    const kind = ref.kind.replaceAll('_', ' ');
    return name ? `${kind} ${name} (${short(ref.id)})` : `${kind} ${short(ref.id)}`;
  }

  /** DHCP and router ports have no names: say what they are. */
  private unnamedPort(p: Port): string {
    const router = this.replica.routers.get(p.device_id)?.name ?? short(p.device_id);
    const network = this.replica.networks.get(p.network_id)?.name ?? short(p.network_id);
    if (p.device_owner === 'network:router_interface') return `interface ${short(p.id)} of router ${router} on ${network}`;
    if (p.device_owner === 'network:router_gateway') return `gateway port ${short(p.id)} of router ${router}`;
    if (p.device_owner === 'network:dhcp') return `DHCP port ${short(p.id)} of network ${network}`;
    return `port ${short(p.id)}`;
  }

  private record(ref: ObjectRef): { name?: string } | undefined {
    const r = this.replica;
    const tables: Partial<Record<RefKind, ReadonlyMap<string, { name?: string }>>> = {
      network: r.networks,
      subnet: r.subnets,
      port: r.ports,
      router: r.routers,
      security_group: r.securityGroups,
      ...(r.addressGroups ? { address_group: r.addressGroups } : {}),
      ...(r.networkLogs ? { log: r.networkLogs } : {}),
      ...(r.trunks ? { trunk: r.trunks } : {}),
    };
    return tables[ref.kind]?.get(ref.id);
  }

  /** The object a flow cookie stands for: full id when the replica has it, else the 10-digit prefix. */
  cookieOwner(cookie: bigint | null): ObjectRef | null {
    if (cookie === null) return null;
    const d = decodeCookie(cookie);
    if (!d) return null;
    if (d.kind === 'host') return { kind: 'host', id: this.hostOfPrefix(d.idPrefix) };
    return { kind: d.kind, id: this.resolvePrefix(d.kind, d.idPrefix) ?? d.idPrefix };
  }

  private hostOfPrefix(prefix: string): string {
    const hosts = new Set([...this.replica.agents.values()].map((a) => a.host));
    for (const h of hosts) if (decodeCookie(cookieOf({ kind: 'host', id: h }))?.idPrefix === prefix) return h;
    return prefix;
  }

  /** A full id of `kind` whose first 10 hex digits are `prefix`. */
  resolvePrefix(kind: RefKind, prefix: string): string | null {
    const table: ReadonlyMap<string, unknown> | undefined = {
      network: this.replica.networks,
      subnet: this.replica.subnets,
      port: this.replica.ports,
      router: this.replica.routers,
      floatingip: this.replica.floatingips,
      security_group: this.replica.securityGroups,
      security_group_rule: this.replica.securityGroupRules,
      address_group: this.replica.addressGroups,
      log: this.replica.networkLogs,
      port_forwarding: this.replica.portForwardings,
      conntrack_helper: this.replica.conntrackHelpers,
      metering_label: this.replica.meteringLabels,
      local_ip: this.replica.localIps,
      trunk: this.replica.trunks,
      host: undefined,
    }[kind];
    for (const id of table?.keys() ?? []) if (id.replaceAll('-', '').startsWith(prefix)) return id;
    return null;
  }

  /** The ports with this MAC (two projects may reuse one only with allowed address pairs). */
  portsByMac(mac: string): readonly Port[] {
    return this.byMac.get(mac.toLowerCase()) ?? [];
  }

  /** The port a Neutron-named device stands for (tap3c9b4a1e-2f → port 3c9b4a1e-2f…). */
  portOfDevice(device: string): Port | null {
    const m = DEVICE.exec(device);
    return m ? (this.byDevicePrefix.get(m[2]!) ?? null) : null;
  }

  /** The network on a local VLAN of this host. */
  networkOfVlan(vlan: number): Network | null {
    const id = this.vlanNetwork.get(vlan);
    return id ? (this.replica.networks.get(id) ?? null) : null;
  }

  /** The network with a tunnel key (GRE key / VXLAN VNI = segmentation id). */
  networkOfKey(key: number): Network | null {
    for (const n of this.replica.networks.values()) {
      const type = n['provider:network_type'];
      if ((type === 'gre' || type === 'vxlan') && n['provider:segmentation_id'] === key) return n;
    }
    return null;
  }

  /** The remote host behind a tunnel port (gre-c6120102). */
  tunnelHost(portName: string): { host: string; ip: string } | null {
    return this.tunnelHosts.get(portName) ?? null;
  }

  /** The host whose L2 agent terminates tunnels at `ip` (a VXLAN destination of a Linux bridge host). */
  hostOfTunnelIp(ip: string): string | null {
    for (const a of this.replica.agents.values()) if (a.configurations.tunneling_ip === ip) return a.host;
    return null;
  }

  vlanOf(networkId: string): number | null {
    return this.plan?.localVlans.get(networkId) ?? null;
  }
}
