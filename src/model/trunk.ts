/**
 * Trunks (`trunk`, `trunk-details`): a parent port that carries, besides its own untagged
 * traffic, the traffic of subports, each tagged with its VLAN (segmentation type `vlan`, ids 1 to
 * 4094). Subports are bound wherever their parent is (`device_owner` `trunk:subport`), as
 * Neutron's trunk RPC server binds them (neutron/services/trunk/rpc/server.py,
 * _handle_port_binding).
 */

/** neutron-lib's trunk statuses (neutron_lib/services/trunk/constants.py). */
export type TrunkStatus = 'ACTIVE' | 'DOWN' | 'BUILD' | 'DEGRADED' | 'ERROR';

/** neutron-lib's trunk constants. */
export const TRUNK_SUBPORT_OWNER = 'trunk:subport';
/**
 * The segmentation types Quark's Open vSwitch wiring supports, as Neutron's OVS trunk driver
 * (drivers/openvswitch/driver.py: SUPPORTED_SEGMENTATION_TYPES = vlan). `inherit` is accepted
 * by the API and replaced with the subport network's type and id, which then has to be `vlan`
 * (measured on Neutron 21: `inherit` on a VXLAN network answers "Unknown segmentation_type 'vxlan'").
 */
export const SEGMENTATION_TYPES = ['vlan'] as const;
export type SegmentationType = (typeof SEGMENTATION_TYPES)[number];
export const SEGMENTATION_TYPE_INHERIT = 'inherit';

export interface SubPort {
  readonly port_id: string;
  readonly segmentation_type: SegmentationType;
  readonly segmentation_id: number;
}

export interface Trunk {
  readonly id: string;
  readonly project_id: string;
  readonly name: string;
  readonly description: string;
  readonly admin_state_up: boolean;
  /** The parent port. */
  readonly port_id: string;
  readonly status: TrunkStatus;
  readonly sub_ports: readonly SubPort[];
  readonly tags: readonly string[];
  readonly created_at: string;
  readonly updated_at: string;
  readonly revision_number: number;
}

/** neutron-lib's is_valid_vlan_tag: what a `vlan` subport's segmentation id may be. */
export function isValidVlanTag(id: number): boolean {
  return Number.isInteger(id) && id >= 1 && id <= 4094;
}

/** A subport as a request names it, before the trunk rules checked it. */
export interface SubPortRequest {
  readonly port_id: string;
  readonly segmentation_type?: unknown;
  readonly segmentation_id?: unknown;
  /** The request's own text of the subport, for messages (Python's repr, as Neutron prints it). */
  readonly repr: string;
}

/** Python's repr of a JSON value, as Neutron's messages print request bodies. */
export function pyRepr(v: unknown): string {
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'string') return `'${v}'`;
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `'${k}': ${pyRepr(x)}`)
      .join(', ')}}`;
  }
  return String(v);
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * neutron-lib's validate_subports (neutron_lib/api/validators/__init__.py): a list of dicts,
 * each with a unique valid port UUID, and a segmentation id not used twice per type. Returns
 * the subports, or the reason the list is invalid, in Neutron's words.
 */
export function validateSubports(data: unknown): SubPortRequest[] | string {
  if (!Array.isArray(data)) return `Invalid data format for subports: '${pyRepr(data)}' is not a list`;
  const ids = new Set<string>();
  const used = new Map<unknown, Set<unknown>>();
  const out: SubPortRequest[] = [];
  for (const s of data) {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      return `Invalid data format for subport: '${pyRepr(s)}' is not a dict`;
    }
    const sub = s as Record<string, unknown>;
    if (!('port_id' in sub)) return 'A valid port UUID must be specified';
    const portId = sub.port_id;
    if (typeof portId !== 'string' || !UUID.test(portId)) return `Invalid UUID for subport: '${String(portId)}'`;
    if (ids.has(portId)) return `Non unique UUID for subport: '${portId}'`;
    ids.add(portId);
    const type = sub.segmentation_type;
    const segId = sub.segmentation_id;
    out.push({ port_id: portId, segmentation_type: type, segmentation_id: segId, repr: pyRepr(sub) });
    // As neutron-lib: an `inherit` subport ends the checks of the list.
    if (type === SEGMENTATION_TYPE_INHERIT) {
      for (const rest of data.slice(out.length)) {
        const r = rest as Record<string, unknown>;
        out.push({
          port_id: String(r?.port_id),
          segmentation_type: r?.segmentation_type,
          segmentation_id: r?.segmentation_id,
          repr: pyRepr(r),
        });
      }
      return out;
    }
    if ((!type || segId === undefined || segId === null) && Object.keys(sub).length > 1) {
      return `Invalid subport details '${pyRepr(sub)}': missing segmentation information. Must specify both segmentation_id and segmentation_type`;
    }
    const seen = used.get(type) ?? new Set<unknown>();
    if (seen.has(segId)) return `Segmentation ID '${String(segId)}' for '${portId}' is not unique`;
    if (segId !== undefined && segId !== null) {
      seen.add(segId);
      used.set(type, seen);
    }
  }
  return out;
}
