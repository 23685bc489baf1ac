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
import { ipBatch, listAddresses } from '../dataplane/drivers/ip.js';
import { QuarkError } from '../model/errors.js';

export async function ensureUnderlayAddress(settings: HostSettings): Promise<void> {
  const u = settings.underlay;
  const ip = settings.tunnelIp;
  if (!u || !ip) return;
  const addrs = await listAddresses(null);
  const has = (dev: string) => addrs.find((a) => a.ifname === dev && a.cidr.split('/')[0] === ip);
  if (has(u.bridge)) {
    await ipBatch(null, [`link set ${u.bridge} up`]);
    return;
  }
  const onNic = has(u.interface);
  if (!onNic) {
    throw new QuarkError('HostCommandFailed', `tunnel address ${ip} is on neither ${u.interface} nor ${u.bridge}`);
  }
  await ipBatch(null, [
    `addr del ${onNic.cidr} dev ${u.interface}`,
    `addr add ${onNic.cidr} dev ${u.bridge}`,
    `link set ${u.bridge} up`,
    `link set ${u.interface} up`,
  ]);
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
