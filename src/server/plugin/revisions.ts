/**
 * Neutron's `revises_on_change`: some records are parts of another one, and changing a part is a
 * change of the whole, so the whole's revision_number and updated_at move too. A subnet is part
 * of its network (models_v2.Subnet), a rule of its security group (SecurityGroupRule), a router
 * port and an extra route of their router (l3.RouterPort, l3.RouterRoute).
 *
 * Called inside the transaction that changes the part. The store stamps a record once per
 * transaction, so touching the whole several times in one write moves its revision by one.
 */
import type { WriteTx } from '../../store/store.js';

type Whole = 'network' | 'router' | 'security_group' | 'port' | 'subnet';

/** Marks the record as changed by this transaction; a record that is gone is left alone. */
export function revise(tx: WriteTx, kind: Whole, id: string): void {
  const record = tx.get(kind, id);
  if (record) tx.put(kind, record);
}
