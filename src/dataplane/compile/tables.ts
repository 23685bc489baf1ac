/**
 * OpenFlow table numbers and names, as Neutron's OVS agent uses them (neutron-lib
 * ovs_constants, Juno and later numbering for br-tun). Every flow Quark installs lives in one
 * of these tables; docs/flows.md describes each.
 */

export const BrInt = {
  LOCAL_SWITCHING: 0,
  CANARY: 23,
  ARP_SPOOF: 24,
  MAC_SPOOF: 25,
  LOCAL_EGRESS: 30,
  LOCAL_IP: 31,
  TRANSIENT: 60,
} as const;

export const BrTun = {
  CLASSIFY: 0,
  PATCH_LV_TO_TUN: 2,
  GRE_TUN_TO_LV: 3,
  VXLAN_TUN_TO_LV: 4,
  LEARN_FROM_TUN: 10,
  UCAST_TO_TUN: 20,
  FLOOD_TO_TUN: 22,
} as const;

export const BrPhys = {
  LOCAL_SWITCHING: 0,
} as const;

export const MAX_LOCAL_VLAN = 4094;

const NAMES: Readonly<Record<'int' | 'tun' | 'phys', Readonly<Record<number, string>>>> = {
  int: Object.fromEntries(Object.entries(BrInt).map(([k, v]) => [v, k])),
  tun: Object.fromEntries(Object.entries(BrTun).map(([k, v]) => [v, k])),
  phys: Object.fromEntries(Object.entries(BrPhys).map(([k, v]) => [v, k])),
};

export type BridgeRole = keyof typeof NAMES;

/** `PATCH_LV_TO_TUN(2)`: how goldens, explain and trace print a table. */
export function tableName(role: BridgeRole, table: number): string {
  return `${NAMES[role][table] ?? 'TABLE'}(${table})`;
}
