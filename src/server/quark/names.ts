/**
 * How explain and trace name API objects for people: `port vm2 (270c41a8) of project test1`,
 * `security group default (190a44a2) of project test1`. Refs may carry only the first 10 hex
 * digits of an id (flow cookies); those are resolved to the full id here.
 */
import type { ObjectRef } from '../../model/trace.js';
import type { Kind } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import { portForwardingWords } from '../../model/port-forwarding.js';
import type { PortForwarding } from '../../model/resources.js';

const STORE_KIND: Readonly<Record<ObjectRef['kind'], Kind | null>> = {
  host: null,
  network: 'network',
  subnet: 'subnet',
  port: 'port',
  router: 'router',
  floatingip: 'floatingip',
  security_group: 'security_group',
  security_group_rule: 'security_group_rule',
  address_group: 'address_group',
  log: 'log',
  port_forwarding: 'port_forwarding',
  conntrack_helper: 'conntrack_helper',
  metering_label: 'metering_label',
  local_ip: 'local_ip',
  trunk: 'trunk',
};

export class Names {
  private readonly labels = new Map<string, string>();

  constructor(private readonly view: ReadView) {}

  /** The full id for a ref whose id is a 10-hex-digit prefix; the ref itself otherwise. */
  resolve(ref: ObjectRef): ObjectRef {
    const kind = STORE_KIND[ref.kind];
    if (!kind || ref.id.includes('-') || ref.id.length !== 10) return ref;
    const found = this.view.all(kind).find((r) => (r as { id: string }).id.replaceAll('-', '').startsWith(ref.id));
    return found ? { kind: ref.kind, id: (found as { id: string }).id } : ref;
  }

  project(id: string): string {
    if (!id) return '';
    const p = this.view.get('project', id);
    return ` of project ${p?.name ?? id}`;
  }

  label(ref: ObjectRef): string {
    const key = `${ref.kind}:${ref.id}`;
    const known = this.labels.get(key);
    if (known) return known;
    const made = this.make(ref);
    this.labels.set(key, made);
    return made;
  }

  private make(ref: ObjectRef): string {
    const short = ref.id.slice(0, 8);
    const kind = STORE_KIND[ref.kind];
    if (!kind) return `host ${ref.id}`;
    const r = this.view.get(kind, ref.id) as { name?: string; project_id?: string; floating_ip_address?: string } | undefined;
    const words = ref.kind.replaceAll('_', ' ');
    if (!r) return `${words} ${short} (gone)`;
    if (ref.kind === 'security_group_rule') return `rule ${short}`;
    if (ref.kind === 'port' && !r.name) return this.unnamedPort(ref.id);
    if (ref.kind === 'port_forwarding') {
      const fip = this.view.get('floatingip', (r as PortForwarding).floatingip_id);
      return `${portForwardingWords(r as PortForwarding, fip?.floating_ip_address ?? '?')} (${short})${this.project(r.project_id ?? '')}`;
    }
    const name = ref.kind === 'floatingip' ? r.floating_ip_address : r.name;
    return `${words} ${name ? `${name} (${short})` : short}${this.project(r.project_id ?? '')}`;
  }

  /** DHCP and router ports have no names: say what they are. */
  private unnamedPort(id: string): string {
    const p = this.view.get('port', id)!;
    const short = id.slice(0, 8);
    const router = this.view.get('router', p.device_id)?.name ?? p.device_id.slice(0, 8);
    const network = this.view.get('network', p.network_id)?.name ?? p.network_id.slice(0, 8);
    const of = this.project(p.project_id);
    if (p.device_owner === 'network:router_interface') return `interface ${short} of router ${router} on network ${network}${of}`;
    if (p.device_owner === 'network:router_gateway') return `gateway port ${short} of router ${router}`;
    if (p.device_owner === 'network:dhcp') return `DHCP port ${short} of network ${network}${of}`;
    return `port ${short}${of}`;
  }

  /** A security group as a verdict names it: `` `default` (project test1) ``. */
  group(id: string): string {
    const g = this.view.get('security_group', id);
    if (!g) return `\`${id.slice(0, 8)}\` (gone)`;
    return `\`${g.name}\` (project ${this.view.get('project', g.project_id)?.name ?? g.project_id})`;
  }

  /** Labels for every ref, keyed `kind:id`. */
  table(refs: Iterable<ObjectRef>): Record<string, string> {
    const out: Record<string, string> = {};
    for (const r of refs) out[`${r.kind}:${r.id}`] = this.label(r);
    return out;
  }
}
