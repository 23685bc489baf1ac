/**
 * Conntrack zones, one per filtered port (as Neutron's hybrid driver): each crossing of a port's
 * qbr is tracked in that port's zone, so two ports with the same addresses (overlapping tenants)
 * or the two ends of a connection on the same host never share an entry, and cleaning up after
 * a rule change touches only that port's connections.
 *
 * Zones must not change under a live connection (its entry would be lost), so a port keeps the
 * zone the host already gave it; new ports take the lowest free zone from 4097 up (Neutron's
 * ZONE_START, which keeps clear of per-network zones numbered by local VLAN). A zone the host
 * still had for a departed port is not handed out in the same pass: its entries are flushed
 * after the pass.
 */
export const FIRST_ZONE = 4097;
export const LAST_ZONE = 65535;

/**
 * Zones for `devices` (in a stable order), keeping the ones `observed` already gives them. A
 * device is what a zone belongs to: a port's tap, or a network's bridge (Linux bridge).
 */
export function assignZones(devices: readonly string[], observed: ReadonlyMap<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  const used = new Set<number>();
  for (const d of devices) {
    const z = observed.get(d);
    if (z === undefined || z < FIRST_ZONE || z > LAST_ZONE || used.has(z)) continue;
    out.set(d, z);
    used.add(z);
  }
  const taken = new Set([...used, ...observed.values()]);
  let next = FIRST_ZONE;
  for (const d of devices) {
    if (out.has(d)) continue;
    while (taken.has(next)) next++;
    // Past the last zone a port is still filtered, in the default zone (60,000 ports on a host).
    if (next > LAST_ZONE) break;
    out.set(d, next);
    taken.add(next);
  }
  return out;
}
