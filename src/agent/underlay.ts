/**
 * Userspace datapath only: OVS sends tunnel packets from the bridge that owns the local
 * tunnel address, so the agent moves that address from the underlay interface to the underlay
 * bridge's internal port (once; idempotent):
 *
 *   ip addr del 198.18.1.2/24 dev eth1; ip addr add 198.18.1.2/24 dev br-phy; ip link set br-phy up
 *
 * OVS learns tunnel neighbours only from ARP replies it sees pass, so the agent also asks the
 * kernel to ARP for each remote endpoint (`arping -c 1 -I br-phy REMOTE`) when a tunnel appears
 * and at every full resync.
 */
import type { HostSettings } from '../dataplane/compile/inputs.js';
import { run } from '../dataplane/drivers/exec.js';
import { ipBatch, listAddresses, listLinks } from '../dataplane/drivers/ip.js';
import { QuarkError } from '../model/errors.js';

/**
 * Call after the underlay bridge was created in OVSDB; ovs-vswitchd makes its internal device a
 * moment later, so this waits for it. The address is added to the bridge before it is removed
 * from the interface: a crash in between leaves it on both, which the next call repairs.
 */
export async function ensureUnderlayAddress(settings: HostSettings): Promise<void> {
  const u = settings.underlay;
  const ip = settings.tunnelIp;
  if (!u || !ip) return;
  let links = await listLinks(null);
  for (let i = 0; i < 100 && !links.some((l) => l.ifname === u.bridge); i++) {
    await new Promise((r) => setTimeout(r, 20));
    links = await listLinks(null);
  }
  const addrs = await listAddresses(null);
  const has = (dev: string) => addrs.find((a) => a.ifname === dev && a.cidr.split('/')[0] === ip);
  const onBridge = has(u.bridge);
  const onNic = has(u.interface);
  if (!onBridge && !onNic) {
    throw new QuarkError('HostCommandFailed', `tunnel address ${ip} is on neither ${u.interface} nor ${u.bridge}`);
  }
  const cmds: string[] = [];
  if (!onBridge && onNic) cmds.push(`addr add ${onNic.cidr} dev ${u.bridge}`);
  if (onNic) cmds.push(`addr del ${onNic.cidr} dev ${u.interface}`);
  for (const dev of [u.bridge, u.interface]) {
    if (!links.find((l) => l.ifname === dev)?.flags.includes('UP')) cmds.push(`link set ${dev} up`);
  }
  // Every pass calls this: in the usual case everything is in place and no process runs.
  await ipBatch(null, cmds);
}

/** One ARP exchange per remote endpoint, so OVS's tunnel neighbour cache knows each of them. */
export async function refreshNeighbours(settings: HostSettings, remotes: readonly string[]): Promise<void> {
  if (!settings.underlay) return;
  await Promise.all(
    remotes.map((r) =>
      run(['arping', '-c', '1', '-w', '1', '-I', settings.underlay!.bridge, r], { okStatuses: [1, 2] }).catch(() => undefined),
    ),
  );
}
