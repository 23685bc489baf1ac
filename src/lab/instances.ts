/**
 * Lab instances: a namespace on a compute node, plugged as Nova plugs a VM. The port is created
 * through the API as the project's user; then, as Nova does with its service credentials, it is
 * bound to the node (`binding:host_id`, device id and owner), plugged with `quark vif plug`, and
 * the instance asks for its address with a real DHCP client (busybox udhcpc).
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { QuarkClient } from '../client/client.js';
import type { Port, Subnet } from '../model/resources.js';
import { dhclient6Argv, writeDhclient6Hook } from './dhclient6-script.js';
import type { Lab } from './lab.js';
import { udhcpcArgv, writeUdhcpcHook } from './udhcpc-script.js';

export interface InstanceRecord {
  readonly name: string;
  readonly project: string;
  readonly node: string;
  /** The instance's network namespace on its node (named like the instance). */
  readonly netns: string;
  readonly portId: string;
  /** Its instance id: the port's device_id (what the metadata service calls its uuid). */
  readonly instanceId?: string;
  readonly networkId: string;
  readonly address: string;
  /** Its IPv6 address from the API (SLAAC, DHCPv6), or null on an IPv4-only network. */
  readonly address6?: string | null;
  readonly mac: string;
  floatingIp: string | null;
  lease: string | null;
  /** How it got its IPv6 address, once it has it. */
  lease6?: string | null;
}

/** Writes the DHCP client's hook (see udhcpc-script.ts) into the lab directory. */
export function writeDhcpScript(dir: string): string {
  return writeUdhcpcHook(join(dir, 'udhcpc.sh'));
}

/** Writes the DHCPv6 client's hook (see dhclient6-script.ts) into the lab directory. */
export function writeDhcp6Script(dir: string): string {
  return writeDhclient6Hook(join(dir, 'dhclient6.sh'));
}

export interface CreateInstance {
  readonly name: string;
  readonly project: string;
  readonly node: string;
  readonly networkId: string;
  readonly securityGroups: readonly string[] | null;
  /** Addresses the port asks for (the scenario's fixed_ips); empty: the API chooses. */
  readonly fixedIps?: readonly string[];
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
  if (req.fixedIps?.length) attrs.fixed_ips = req.fixedIps.map((ip_address) => ({ ip_address }));
  const { port } = await user.post<{ port: Port }>('/v2.0/ports', { port: attrs });
  const instanceId = randomUUID();
  await admin.put(`/v2.0/ports/${port.id}`, {
    port: { 'binding:host_id': req.node, device_id: instanceId, device_owner: 'compute:nova' },
  });
  await lab.plug(req.node, port.id, req.name);
  return {
    name: req.name,
    project: req.project,
    node: req.node,
    netns: req.name,
    portId: port.id,
    instanceId,
    networkId: port.network_id,
    address: port.fixed_ips.find((f) => !f.ip_address.includes(':'))?.ip_address ?? '',
    address6: port.fixed_ips.find((f) => f.ip_address.includes(':'))?.ip_address ?? null,
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

/**
 * The instance takes its IPv6 address as a cloud image would: it solicits the router's
 * advertisements (rdisc6; the kernel autoconfigures SLAAC and dhcpv6-stateless addresses and
 * the default route from them) and, on a dhcpv6-stateful subnet, runs a DHCPv6 client. Resolves
 * with a line saying what it got, once the kernel holds the API's address.
 */
export async function leaseIpv6(lab: Lab, instance: InstanceRecord, subnet: Subnet, dir: string): Promise<string> {
  const want = instance.address6;
  if (!want) throw new Error(`${instance.name} has no IPv6 address`);
  const stateful = subnet.ipv6_address_mode === 'dhcpv6-stateful';
  const hook = join(dir, 'dhclient6.sh');
  const exec = (argv: readonly string[]) =>
    lab.exec(instance.node, argv, instance.netns).then(
      (r) => r.stdout,
      () => '',
    );
  const deadline = Date.now() + 60_000;
  let router = '';
  for (;;) {
    await exec(['rdisc6', '-1', '-w', '1000', 'eth0']);
    if (stateful) {
      const argv = dhclient6Argv({
        hook,
        leases: join(dir, `${instance.name}.leases6`),
        pidFile: join(dir, `${instance.name}.dhclient6.pid`),
      });
      await exec(['timeout', '8', ...argv]);
      // dhclient stays in the background once bound (to renew); the lab needs only the address.
      await exec(['sh', '-c', `kill $(cat ${join(dir, `${instance.name}.dhclient6.pid`)}) 2>/dev/null; true`]);
    }
    const addresses = await exec(['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global']);
    router = /default via (fe80::\S+)/.exec(await exec(['ip', '-6', 'route', 'show', 'default']))?.[1] ?? '';
    if (addresses.includes(` ${want}/`) && router) break;
    if (Date.now() > deadline) throw new Error(`${instance.name} did not get ${want} (${subnet.ipv6_address_mode})`);
  }
  // A SLAAC address stays tentative until duplicate address detection passes (about a second),
  // and the kernel uses no tentative address as a source: the instance is ready after that.
  const tentative = () => exec(['ip', '-6', '-o', 'addr', 'show', 'dev', 'eth0', 'scope', 'global', 'tentative']);
  while ((await tentative()).includes(` ${want}/`)) {
    if (Date.now() > deadline) throw new Error(`${instance.name}: ${want} stayed tentative (duplicate address detection)`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return `${want} by ${stateful ? 'DHCPv6' : subnet.ipv6_address_mode === 'dhcpv6-stateless' ? 'SLAAC (+DHCPv6 options)' : 'SLAAC'}, router ${router}`;
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
