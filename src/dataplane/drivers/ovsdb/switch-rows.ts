/**
 * Desired bridges, ports and interfaces, and how they become OVSDB rows: the whole row for an
 * insert, only the columns that differ for an update. A field left undefined in a spec leaves the
 * column alone on an existing row (and takes OVS's default on a new one); `null` clears an
 * optional column; a map replaces the whole column.
 */
import type { BridgeState, InterfaceState, PortState, StringMap } from './switch-state.js';
import { type Atom, type Row, type Value, map, optional, set } from './values.js';

export type DatapathType = 'netdev' | 'system';
export type FailMode = 'secure' | 'standalone';
export type OpenFlowVersion = 'OpenFlow10' | 'OpenFlow11' | 'OpenFlow12' | 'OpenFlow13' | 'OpenFlow14' | 'OpenFlow15';
/** `system` is a device that already exists (OVS writes it as the empty type). */
export type InterfaceType = 'system' | 'internal' | 'patch' | 'gre' | 'vxlan' | 'tap' | 'afxdp-nonpmd';

export interface BridgeSpec {
  readonly name: string;
  /** `netdev` where the openvswitch kernel module is missing (DESIGN.md §3). */
  readonly datapathType?: DatapathType;
  /** Neutron's bridges are `secure`: without a controller or flows they drop, never flood. */
  readonly failMode?: FailMode | null;
  readonly protocols?: readonly OpenFlowVersion[];
  readonly otherConfig?: StringMap;
  readonly externalIds?: StringMap;
}

export interface InterfaceSpec {
  /** Defaults to the port's name, the usual one-interface port. */
  readonly name?: string;
  readonly type?: InterfaceType;
  /** e.g. `{peer: 'patch-int'}` for a patch, `{remote_ip, local_ip, key: 'flow'}` for a tunnel. */
  readonly options?: StringMap;
  /** VIFs carry `iface-id`, `attached-mac`, `vm-uuid`, `iface-status` here (os-vif). */
  readonly externalIds?: StringMap;
  readonly otherConfig?: StringMap;
  readonly ofportRequest?: number | null;
}

export interface PortSpec {
  readonly bridge: string;
  readonly name: string;
  /** Access VLAN; `null` makes the port a trunk again. */
  readonly tag?: number | null;
  readonly externalIds?: StringMap;
  readonly otherConfig?: StringMap;
  /** The port's interfaces, exactly. When creating the port, one interface named like it by default. */
  readonly interfaces?: readonly InterfaceSpec[];
}

type Columns = Record<string, Value>;

function put(row: Columns, column: string, value: Value | undefined): void {
  if (value !== undefined) row[column] = value;
}

const mapValue = (m: StringMap | undefined) => (m === undefined ? undefined : map(m));
const optionalValue = (a: Atom | null | undefined) => (a === undefined ? undefined : optional(a));
const typeValue = (t: InterfaceType | undefined) => (t === undefined ? undefined : t === 'system' ? '' : t);

export function bridgeRow(spec: BridgeSpec): Columns {
  const row: Columns = { name: spec.name };
  put(row, 'datapath_type', spec.datapathType);
  put(row, 'fail_mode', optionalValue(spec.failMode));
  put(row, 'protocols', spec.protocols && set(spec.protocols));
  put(row, 'other_config', mapValue(spec.otherConfig));
  put(row, 'external_ids', mapValue(spec.externalIds));
  return row;
}

export function bridgeChanges(spec: BridgeSpec, now: BridgeState): Columns {
  const row: Columns = {};
  const datapath = (t: string) => (t === 'system' ? '' : t);
  if (spec.datapathType !== undefined && datapath(spec.datapathType) !== datapath(now.datapathType))
    put(row, 'datapath_type', spec.datapathType);
  if (spec.failMode !== undefined && (spec.failMode ?? undefined) !== now.failMode)
    put(row, 'fail_mode', optionalValue(spec.failMode));
  if (spec.protocols !== undefined && !sameSet(spec.protocols, now.protocols)) put(row, 'protocols', set(spec.protocols));
  if (spec.otherConfig !== undefined && !sameMap(spec.otherConfig, now.otherConfig))
    put(row, 'other_config', map(spec.otherConfig));
  if (spec.externalIds !== undefined && !sameMap(spec.externalIds, now.externalIds))
    put(row, 'external_ids', map(spec.externalIds));
  return row;
}

export function portRow(spec: PortSpec, interfaces: Value): Columns {
  const row: Columns = { name: spec.name, interfaces };
  put(row, 'tag', optionalValue(spec.tag));
  put(row, 'external_ids', mapValue(spec.externalIds));
  put(row, 'other_config', mapValue(spec.otherConfig));
  return row;
}

export function portChanges(spec: PortSpec, now: PortState): Columns {
  const row: Columns = {};
  if (spec.tag !== undefined && (spec.tag ?? undefined) !== now.tag) put(row, 'tag', optional(spec.tag));
  if (spec.externalIds !== undefined && !sameMap(spec.externalIds, now.externalIds))
    put(row, 'external_ids', map(spec.externalIds));
  if (spec.otherConfig !== undefined && !sameMap(spec.otherConfig, now.otherConfig))
    put(row, 'other_config', map(spec.otherConfig));
  return row;
}

export function interfaceRow(spec: InterfaceSpec, name: string): Columns {
  const row: Columns = { name };
  put(row, 'type', typeValue(spec.type));
  put(row, 'options', mapValue(spec.options));
  put(row, 'external_ids', mapValue(spec.externalIds));
  put(row, 'other_config', mapValue(spec.otherConfig));
  put(row, 'ofport_request', optionalValue(spec.ofportRequest));
  return row;
}

export function interfaceChanges(spec: InterfaceSpec, now: InterfaceState): Columns {
  const row: Columns = {};
  const type = typeValue(spec.type);
  if (type !== undefined && type !== now.type) put(row, 'type', type);
  if (spec.options !== undefined && !sameMap(spec.options, now.options)) put(row, 'options', map(spec.options));
  if (spec.externalIds !== undefined && !sameMap(spec.externalIds, now.externalIds))
    put(row, 'external_ids', map(spec.externalIds));
  if (spec.otherConfig !== undefined && !sameMap(spec.otherConfig, now.otherConfig))
    put(row, 'other_config', map(spec.otherConfig));
  if (spec.ofportRequest !== undefined && (spec.ofportRequest ?? undefined) !== now.ofportRequest)
    put(row, 'ofport_request', optional(spec.ofportRequest));
  return row;
}

export function isEmpty(row: Row): boolean {
  return Object.keys(row).length === 0;
}

function sameMap(a: StringMap, b: StringMap): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const x = [...new Set(a)].sort();
  const y = [...new Set(b)].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
