/**
 * The part of the Open_vSwitch database Quark uses, read in one transaction: the root row, and
 * every bridge with its ports and their interfaces. Rows that no bridge references (transient,
 * the database collects them) are not shown.
 */
import type { OvsdbClient } from './client.js';
import { select } from './operations.js';
import {
  type Row,
  integerOf,
  optionalIntegerOf,
  optionalStringOf,
  stringMapOf,
  stringOf,
  stringsOf,
  uuidOf,
  uuidsOf,
} from './values.js';

export const VSWITCH_DB = 'Open_vSwitch';

export type StringMap = Readonly<Record<string, string>>;

export interface InterfaceState {
  readonly uuid: string;
  readonly name: string;
  /** `''` is a system (kernel or netdev) device; also `internal`, `patch`, `gre`, `vxlan`, `tap`. */
  readonly type: string;
  readonly options: StringMap;
  readonly externalIds: StringMap;
  readonly otherConfig: StringMap;
  /** Set by ovs-vswitchd: the OpenFlow port number, -1 when the interface failed, absent before. */
  readonly ofport: number | undefined;
  readonly ofportRequest: number | undefined;
  /** Set by ovs-vswitchd when it could not create the interface. */
  readonly error: string | undefined;
  readonly adminState: string | undefined;
  readonly linkState: string | undefined;
  readonly macInUse: string | undefined;
}

export interface PortState {
  readonly uuid: string;
  readonly name: string;
  /** The access VLAN (Neutron's local VLAN on br-int). */
  readonly tag: number | undefined;
  readonly externalIds: StringMap;
  readonly otherConfig: StringMap;
  readonly interfaces: readonly InterfaceState[];
}

export interface BridgeState {
  readonly uuid: string;
  readonly name: string;
  /** `''` and `system` are the kernel datapath, `netdev` the userspace one. */
  readonly datapathType: string;
  readonly failMode: string | undefined;
  readonly protocols: readonly string[];
  readonly otherConfig: StringMap;
  readonly externalIds: StringMap;
  readonly ports: readonly PortState[];
}

export interface SwitchState {
  /** The one row of the root `Open_vSwitch` table (absent until `ovs-vsctl init`). */
  readonly rootUuid: string | undefined;
  /** Raised by writers that want ovs-vswitchd to confirm; ovs-vswitchd copies it to cur_cfg when done. */
  readonly nextCfg: number;
  readonly curCfg: number;
  /** The interface types this ovs-vswitchd can open (`afxdp-nonpmd` where it is built with AF_XDP). */
  readonly ifaceTypes: readonly string[];
  /** Sorted by name, as are their ports and interfaces. */
  readonly bridges: readonly BridgeState[];
}

export const INTERFACE_COLUMNS = [
  'name',
  'type',
  'options',
  'external_ids',
  'other_config',
  'ofport',
  'ofport_request',
  'error',
  'admin_state',
  'link_state',
  'mac_in_use',
] as const;

/**
 * Reads bridges, ports and interfaces in one `select` transaction, so the picture is consistent.
 * Equivalent: `ovs-vsctl show`, or `ovs-vsctl list Bridge` + `list Port` + `list Interface`.
 */
export async function readSwitch(client: OvsdbClient): Promise<SwitchState> {
  const [root, bridges, ports, interfaces] = await client.transact(VSWITCH_DB, [
    select('Open_vSwitch', [], ['_uuid', 'bridges', 'next_cfg', 'cur_cfg', 'iface_types']),
    select('Bridge', [], ['_uuid', 'name', 'ports', 'datapath_type', 'fail_mode', 'protocols', 'other_config', 'external_ids']),
    select('Port', [], ['_uuid', 'name', 'interfaces', 'tag', 'external_ids', 'other_config']),
    select('Interface', [], ['_uuid', ...INTERFACE_COLUMNS]),
  ] as const);
  return assembleSwitch(root.rows, bridges.rows, ports.rows, interfaces.rows);
}

/** Pure: joins the rows of the four tables by their references. */
export function assembleSwitch(
  rootRows: readonly Row[],
  bridgeRows: readonly Row[],
  portRows: readonly Row[],
  interfaceRows: readonly Row[],
): SwitchState {
  const interfaces = new Map(interfaceRows.map((r) => [uuidOf(r._uuid), interfaceFromRow(r)]));
  const ports = new Map(
    portRows.map((r) => {
      const own = uuidsOf(r.interfaces).flatMap((id) => interfaces.get(id) ?? []);
      return [uuidOf(r._uuid), portFromRow(r, sortByName(own))];
    }),
  );
  const root = rootRows[0];
  const referenced = new Set(root ? uuidsOf(root.bridges) : []);
  const bridges = bridgeRows
    .filter((r) => referenced.has(uuidOf(r._uuid)))
    .map((r) => bridgeFromRow(r, sortByName(uuidsOf(r.ports).flatMap((id) => ports.get(id) ?? []))));
  return {
    rootUuid: root ? uuidOf(root._uuid) : undefined,
    nextCfg: root ? integerOf(root.next_cfg) : 0,
    curCfg: root ? integerOf(root.cur_cfg) : 0,
    ifaceTypes: root ? stringsOf(root.iface_types).sort() : [],
    bridges: sortByName(bridges),
  };
}

/** Reads an Interface row from a select or a monitor (where columns at their default are absent). */
export function interfaceFromRow(r: Row, uuid = uuidOf(r._uuid)): InterfaceState {
  return {
    uuid,
    name: stringOf(r.name),
    type: stringOf(r.type),
    options: stringMapOf(r.options),
    externalIds: stringMapOf(r.external_ids),
    otherConfig: stringMapOf(r.other_config),
    ofport: optionalIntegerOf(r.ofport),
    ofportRequest: optionalIntegerOf(r.ofport_request),
    error: optionalStringOf(r.error),
    adminState: optionalStringOf(r.admin_state),
    linkState: optionalStringOf(r.link_state),
    macInUse: optionalStringOf(r.mac_in_use),
  };
}

function portFromRow(r: Row, interfaces: readonly InterfaceState[]): PortState {
  return {
    uuid: uuidOf(r._uuid),
    name: stringOf(r.name),
    tag: optionalIntegerOf(r.tag),
    externalIds: stringMapOf(r.external_ids),
    otherConfig: stringMapOf(r.other_config),
    interfaces,
  };
}

function bridgeFromRow(r: Row, ports: readonly PortState[]): BridgeState {
  return {
    uuid: uuidOf(r._uuid),
    name: stringOf(r.name),
    datapathType: stringOf(r.datapath_type),
    failMode: optionalStringOf(r.fail_mode),
    protocols: stringsOf(r.protocols).sort(),
    otherConfig: stringMapOf(r.other_config),
    externalIds: stringMapOf(r.external_ids),
    ports,
  };
}

function sortByName<T extends { readonly name: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
