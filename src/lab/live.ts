/**
 * The lab as it is now, read from the API, not as `lab up` recorded it: each instance's
 * addresses and the floating IP it has at this moment, each scenario floating IP's address and
 * port, each router's gateway address. Checks, `lab status` and the trace shortcuts
 * (`vm3.floating`) resolve names with it, so they stay right after a floating IP moved, an
 * instance was added by hand, or the server restarted.
 */
import type { QuarkClient } from '../client/client.js';
import type { FloatingIp, Port, Router } from '../model/resources.js';
import type { InstanceRecord } from './instances.js';
import type { Lab } from './lab.js';

/** A floating IP the scenario made, as `lab up` recorded it (its key names it in steps). */
export interface FloatingIpRecord {
  readonly key: string;
  readonly project: string;
  readonly id: string;
  readonly address: string;
}

export interface LiveInstance {
  readonly record: InstanceRecord;
  /** Null when its port is gone. */
  readonly port: Port | null;
  readonly address: string | null;
  readonly address6: string | null;
  readonly floatingIp: string | null;
}

export interface LiveLab {
  readonly lab: Lab;
  readonly instances: ReadonlyMap<string, LiveInstance>;
  /** Every floating IP by address, with the port it points to. */
  readonly floatingIps: ReadonlyMap<string, FloatingIp>;
  /** The scenario's floating IPs by key. */
  readonly scenarioFloatingIps: ReadonlyMap<string, FloatingIp | null>;
  /** Each router's IPv4 gateway address, by name. */
  readonly routerAddresses: ReadonlyMap<string, string>;
}

const v4 = (p: Port) => p.fixed_ips.find((f) => !f.ip_address.includes(':'))?.ip_address ?? null;
const v6 = (p: Port) => p.fixed_ips.find((f) => f.ip_address.includes(':'))?.ip_address ?? null;

/** Reads the lab's instances, floating IPs and routers from the API (three requests). */
export async function readLive(
  lab: Lab,
  admin: QuarkClient,
  records: readonly InstanceRecord[],
  scenarioFloatingIps: readonly FloatingIpRecord[] = [],
): Promise<LiveLab> {
  const [{ ports }, { floatingips }, { routers }] = await Promise.all([
    admin.get<{ ports: Port[] }>('/v2.0/ports?device_owner=compute:nova'),
    admin.get<{ floatingips: FloatingIp[] }>('/v2.0/floatingips'),
    admin.get<{ routers: Router[] }>('/v2.0/routers'),
  ]);
  const portById = new Map(ports.map((p) => [p.id, p]));
  const fipByPort = new Map(floatingips.filter((f) => f.port_id).map((f) => [f.port_id!, f.floating_ip_address]));
  const instances = new Map<string, LiveInstance>();
  for (const r of records) {
    const port = portById.get(r.portId) ?? null;
    instances.set(r.name, {
      record: r,
      port,
      address: port ? v4(port) : null,
      address6: port ? v6(port) : null,
      floatingIp: fipByPort.get(r.portId) ?? null,
    });
  }
  const byId = new Map(floatingips.map((f) => [f.id, f]));
  const routerAddresses = new Map<string, string>();
  for (const r of routers) {
    const ip = r.external_gateway_info?.external_fixed_ips.find((f) => !f.ip_address.includes(':'))?.ip_address;
    if (ip) routerAddresses.set(r.name, ip);
  }
  return {
    lab,
    instances,
    floatingIps: new Map(floatingips.map((f) => [f.floating_ip_address, f])),
    scenarioFloatingIps: new Map(scenarioFloatingIps.map((f) => [f.key, byId.get(f.id) ?? null])),
    routerAddresses,
  };
}

/** The instance whose port `portId` is, if the lab made it. */
export function instanceOfPort(live: LiveLab, portId: string | null): LiveInstance | undefined {
  if (!portId) return undefined;
  for (const i of live.instances.values()) if (i.record.portId === portId) return i;
  return undefined;
}
