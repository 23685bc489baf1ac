/**
 * Picks free addresses from a subnet's allocation pools. Correctness comes from the store: the
 * caller runs inside a write transaction and an address is taken if any port on the network
 * holds it. The allocator only remembers, per subnet, where the last search ended, so that
 * filling a large subnet does not rescan it from the start each time.
 */
import { type IpAddress, formatIp } from '../../model/ip/address.js';
import { nextFreeAddress } from '../../model/ipam.js';
import type { Subnet } from '../../model/resources.js';
import { ipKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';

export class AddressAllocator {
  private readonly hints = new Map<string, bigint>();

  isTaken(view: ReadView, networkId: string, ip: string): boolean {
    return view.count('port', 'ip', ipKey(networkId, ip)) > 0;
  }

  /**
   * A free address of `subnet`, or null when its pools are exhausted. `fromStart` searches from
   * the start of the pools, as Neutron does for DHCP ports.
   */
  allocate(view: ReadView, subnet: Subnet, options: { fromStart?: boolean; exclude?: ReadonlySet<string> } = {}): string | null {
    const taken = (ip: IpAddress) => {
      const text = formatIp(ip);
      return subnet.gateway_ip === text || (options.exclude?.has(text) ?? false) || this.isTaken(view, subnet.network_id, text);
    };
    const hint = options.fromStart ? null : (this.hints.get(subnet.id) ?? null);
    const ip = nextFreeAddress(subnet.allocation_pools, taken, hint);
    if (!ip) return null;
    if (!options.fromStart) this.hints.set(subnet.id, ip.value + 1n);
    return formatIp(ip);
  }

  forget(subnetId: string): void {
    this.hints.delete(subnetId);
  }
}
