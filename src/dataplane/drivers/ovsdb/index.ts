/** The OVSDB driver: an RFC 7047 client and the Open_vSwitch tables Quark uses (docs/ovsdb.md). */
export { OvsdbClient, type DatabaseSchema, type MonitorOptions, type TransactOptions } from './client.js';
export type { CloseReason, ConnectOptions } from './jsonrpc.js';
export { ovsdbErrorOf, type OvsdbErrorInfo } from './errors.js';
export {
  Monitor,
  applyUpdates,
  type MonitorRequest,
  type MonitorRequests,
  type RowUpdate,
  type TableUpdates,
} from './monitor.js';
export * from './operations.js';
export * from './values.js';
export * from './switch-state.js';
export * from './switch-rows.js';
export { planSwitchChange, type SwitchChange, type SwitchTransaction } from './switch-change.js';
export { applySwitchChange, type ApplyOptions, type ApplyResult, type InterfaceProblem } from './apply-switch-change.js';
export { waitForCurCfg } from './vswitchd-sync.js';
export { SwitchMirror } from './switch-mirror.js';
export { watchInterfaces, vifPortId, type InterfaceEvent, type InterfaceWatch } from './interface-watch.js';
export { readOvsSystem, type OvsSystem } from './ovs-system.js';
