/**
 * What the root row of OVSDB says about the switch itself: the version ovs-vswitchd runs, the
 * datapaths and interface types it supports (ovs-vswitchd fills these in when it starts, so empty
 * lists mean it has never run against this database).
 *
 *   ovs-vsctl get Open_vSwitch . ovs_version datapath_types iface_types
 */
import type { OvsdbClient } from './client.js';
import { select } from './operations.js';
import { VSWITCH_DB } from './switch-state.js';
import { stringsOf, optionalStringOf } from './values.js';

export interface OvsSystem {
  /** e.g. "3.1.0"; null until ovs-vswitchd has started once. */
  readonly ovsVersion: string | null;
  readonly datapathTypes: readonly string[];
  readonly ifaceTypes: readonly string[];
}

export async function readOvsSystem(client: OvsdbClient): Promise<OvsSystem> {
  const [root] = await client.transact(VSWITCH_DB, [
    select('Open_vSwitch', [], ['ovs_version', 'datapath_types', 'iface_types']),
  ] as const);
  const row = root.rows[0];
  return {
    ovsVersion: row ? (optionalStringOf(row.ovs_version) ?? null) : null,
    datapathTypes: row ? stringsOf(row.datapath_types).sort() : [],
    ifaceTypes: row ? stringsOf(row.iface_types).sort() : [],
  };
}
