/**
 * VIF detection without polling: a monitor on the Interface table tells, commit by commit, which
 * interfaces appeared, changed (ovs-vswitchd assigning an ofport, a new `iface-id`, link going
 * down) or went away. Neutron's agent runs `ovsdb-client monitor Interface name,ofport,external_ids`
 * for the same purpose; VIFs are the interfaces whose `external_ids` hold `iface-id`.
 */
import type { OvsdbClient } from './client.js';
import type { Monitor } from './monitor.js';
import { INTERFACE_COLUMNS, type InterfaceState, VSWITCH_DB, interfaceFromRow } from './switch-state.js';

export type InterfaceEvent =
  | { readonly kind: 'added'; readonly interface: InterfaceState }
  | { readonly kind: 'changed'; readonly interface: InterfaceState; readonly previous: InterfaceState }
  | { readonly kind: 'removed'; readonly interface: InterfaceState };

/**
 * Iterate it for the events of each commit, in commit order. The loop throws HostCommandFailed
 * when the connection is lost: reconnect and start a new watch, whose `initial` is the truth.
 */
export interface InterfaceWatch extends AsyncIterable<readonly InterfaceEvent[]> {
  /** Every interface when the watch started. */
  readonly initial: readonly InterfaceState[];
  /** The interfaces as of the last batch of events the consumer received. */
  readonly current: ReadonlyMap<string, InterfaceState>;
  cancel(): Promise<void>;
}

/** The Neutron port id a VIF belongs to (os-vif writes it as `external_ids:iface-id`). */
export function vifPortId(i: InterfaceState): string | undefined {
  return i.externalIds['iface-id'];
}

/** Equivalent: `ovsdb-client monitor unix:<db.sock> Open_vSwitch Interface name,type,external_ids,ofport,…` */
export async function watchInterfaces(client: OvsdbClient): Promise<InterfaceWatch> {
  const monitor = await client.monitor(VSWITCH_DB, { Interface: { columns: INTERFACE_COLUMNS } });
  const current = new Map<string, InterfaceState>();
  for (const [id, change] of Object.entries(monitor.initial.Interface ?? {}))
    if (change.new) current.set(id, interfaceFromRow(change.new, id));
  return {
    initial: [...current.values()],
    current,
    cancel: () => monitor.cancel(),
    [Symbol.asyncIterator]: () => events(monitor, current),
  };
}

async function* events(monitor: Monitor, current: Map<string, InterfaceState>): AsyncGenerator<readonly InterfaceEvent[]> {
  for await (const updates of monitor) {
    const batch: InterfaceEvent[] = [];
    for (const [id, change] of Object.entries(updates.Interface ?? {})) {
      const previous = current.get(id);
      if (!change.new) {
        current.delete(id);
        if (previous) batch.push({ kind: 'removed', interface: previous });
        continue;
      }
      const now = interfaceFromRow(change.new, id);
      current.set(id, now);
      batch.push(previous ? { kind: 'changed', interface: now, previous } : { kind: 'added', interface: now });
    }
    if (batch.length > 0) yield batch;
  }
}
