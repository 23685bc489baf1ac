/**
 * Lab instances: a namespace on a compute node, plugged as Nova plugs a VM. The port is created
 * through the API as the project's user; then, as Nova does with its service credentials, it is
 * bound to the node (`binding:host_id`, device id and owner), plugged with `quark vif plug`, and
 * the instance asks for its address with a real DHCP client (busybox udhcpc).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { QuarkClient } from '../client/client.js';
import type { Port } from '../model/resources.js';
import type { Lab } from './lab.js';
import { udhcpcArgv, writeUdhcpcHook } from './udhcpc-script.js';

export interface InstanceRecord {
  readonly name: string;
  readonly project: string;
  readonly node: string;
  /** The instance's network namespace on its node (named like the instance). */
  readonly netns: string;
  readonly portId: string;
  readonly networkId: string;
  readonly address: string;
  readonly mac: string;
  floatingIp: string | null;
  lease: string | null;
}

/** Writes the DHCP client's hook (see udhcpc-script.ts) into the lab directory. */
export function writeDhcpScript(dir: string): string {
  return writeUdhcpcHook(join(dir, 'udhcpc.sh'));
}

export interface CreateInstance {
  readonly name: string;
  readonly project: string;
  readonly node: string;
  readonly networkId: string;
  readonly securityGroups: readonly string[] | null;
}

/** Creates, binds and plugs the instance; addressing is a separate step (lease()). */
export async function createInstance(
  lab: Lab,
  user: QuarkClient,
  admin: QuarkClient,
  req: CreateInstance,
): Promise<InstanceRecord> {
  const attrs: Record<string, unknown> = { network_id: req.networkId, name: req.name };
  if (req.securityGroups) attrs.security_groups = req.securityGroups;
  const { port } = await user.post<{ port: Port }>('/v2.0/ports', { port: attrs });
  await admin.put(`/v2.0/ports/${port.id}`, {
    port: { 'binding:host_id': req.node, device_id: randomUUID(), device_owner: 'compute:nova' },
  });
  await lab.plug(req.node, port.id, req.name);
  return {
    name: req.name,
    project: req.project,
    node: req.node,
    netns: req.name,
    portId: port.id,
    networkId: port.network_id,
    address: port.fixed_ips[0]?.ip_address ?? '',
    mac: port.mac_address,
    floatingIp: null,
    lease: null,
  };
}

/** Runs the DHCP client in the instance; returns the lease line it printed. */
export async function lease(lab: Lab, instance: InstanceRecord, script: string): Promise<string> {
  const { stdout } = await lab.exec(instance.node, udhcpcArgv({ hook: script, tries: 10 }), instance.netns);
  const line = stdout.split('\n').find((l) => l.startsWith('lease ')) ?? '';
  if (!line) throw new Error(`${instance.name} got no DHCP lease`);
  return line;
}

/** Without a DHCP server (no node has the dhcp role) the lab sets the API's address itself. */
export async function staticAddress(
  lab: Lab,
  instance: InstanceRecord,
  prefixLength: number,
  gateway: string | null,
): Promise<void> {
  await lab.exec(instance.node, ['ip', 'addr', 'add', `${instance.address}/${prefixLength}`, 'dev', 'eth0'], instance.netns);
  if (gateway) await lab.exec(instance.node, ['ip', 'route', 'replace', 'default', 'via', gateway], instance.netns);
}

export async function deleteInstance(lab: Lab, admin: QuarkClient, instance: InstanceRecord): Promise<void> {
  await lab.unplug(instance.node, instance.portId);
  await lab.exec(instance.node, ['ip', 'netns', 'delete', instance.netns]).catch(() => undefined);
  await admin.delete(`/v2.0/ports/${instance.portId}`).catch(() => undefined);
}
