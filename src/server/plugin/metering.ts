/**
 * Rules of the `metering_label` and `metering_label_rule` resources (Neutron's
 * metering_db.py and metering_plugin.py, measured on Neutron 21). Labels and rules are the
 * admin's (neutron/conf/policies/metering.py) and are never changed, only made and deleted; a
 * label's rules go with it. A rule names either `remote_ip_prefix` or the source and destination
 * prefixes, at least one (Invalid), and a `remote_ip_prefix` may not overlap another rule of the
 * label with the same direction and `excluded` (MeteringLabelRuleOverlaps). What the agents
 * count is in docs/metering.md.
 */
import type {
  MeteringLabelCreate,
  MeteringLabelRuleCreate,
  MeteringLabelRuleUpdate,
  MeteringLabelUpdate,
} from '../../model/api/values.js';
import { QuarkError } from '../../model/errors.js';
import { parseCidr, rangesOverlap, cidrRange } from '../../model/ip/cidr.js';
import type { MeteringLabel, MeteringLabelRule } from '../../model/resources.js';
import type { WriteTx } from '../../store/store.js';
import type { ReadView } from '../../store/view.js';
import type { HandlerSpec } from '../api/resource.js';

export const meteringLabelNotFound = (id: string) =>
  new QuarkError('MeteringLabelNotFound', `Metering label '${id}' does not exist.`);
export const meteringLabelRuleNotFound = (id: string) =>
  new QuarkError('MeteringLabelRuleNotFound', `Metering label rule '${id}' does not exist.`);

/**
 * Labels and rules have no update: a PUT naming an attribute is refused as read-only (400) before
 * this runs; an empty one is Neutron's 501 (measured).
 */
const noUpdate = (): never => {
  throw new QuarkError('NotImplementedError', 'Metering labels and their rules cannot be updated.');
};

/** Neutron's validate_metering_label_rule: remote_ip_prefix alone, or source and/or destination. */
function checkPrefixes(v: MeteringLabelRuleCreate): void {
  const remote = v.remote_ip_prefix;
  const source = v.source_ip_prefix;
  const destination = v.destination_ip_prefix;
  if (remote && (source || destination)) {
    throw new QuarkError(
      'Invalid',
      "Cannot use 'remote-ip-prefix' in conjunction with 'source-ip-prefix' or 'destination-ip-prefix'.",
    );
  }
  if (!remote && !source && !destination) {
    throw new QuarkError(
      'Invalid',
      "You must define at least one of the following parameters 'remote_ip_prefix', or 'source_ip_prefix' or 'destination_ip_prefix'.",
    );
  }
}

/** Neutron's check_for_rule_overlaps: only remote_ip_prefix, within one label, direction and `excluded`. */
function checkOverlap(view: ReadView, rule: MeteringLabelRule): void {
  const mine = rule.remote_ip_prefix ? parseCidr(rule.remote_ip_prefix) : null;
  if (!mine) return;
  for (const other of view.by('metering_label_rule', 'label', rule.metering_label_id)) {
    if (other.direction !== rule.direction || other.excluded !== rule.excluded || !other.remote_ip_prefix) continue;
    const theirs = parseCidr(other.remote_ip_prefix);
    if (theirs && theirs.version === mine.version && rangesOverlap(cidrRange(theirs), cidrRange(mine))) {
      throw new QuarkError(
        'MeteringLabelRuleOverlaps',
        `Metering label rule with remote_ip_prefix '${rule.remote_ip_prefix}' overlaps another.`,
      );
    }
  }
}

export const meteringLabelHandler: HandlerSpec<'metering_label', MeteringLabelCreate, MeteringLabelUpdate> = {
  kind: 'metering_label',
  path: 'metering/metering-labels',
  notFound: meteringLabelNotFound,
  target: (_view, l) => ({ projectId: l.project_id }),
  create: (tx, ctx, v, projectId) =>
    tx.put('metering_label', {
      id: ctx.newId(),
      project_id: projectId,
      name: v.name,
      description: v.description,
      shared: v.shared,
    }),
  update: noUpdate,
  delete: (tx, _ctx, label) => {
    for (const r of tx.by('metering_label_rule', 'label', label.id)) tx.delete('metering_label_rule', r.id);
    // Its counts go with it (a label made again is a new label).
    for (const c of tx.by('metering_counter', 'label', label.id)) tx.delete('metering_counter', c.id);
    tx.delete('metering_label', label.id);
  },
};

export function createMeteringLabelRule(tx: WriteTx, id: string, v: MeteringLabelRuleCreate): MeteringLabelRule {
  checkPrefixes(v);
  const labelId = v.metering_label_id;
  const label: MeteringLabel | undefined = tx.get('metering_label', labelId);
  if (!label) throw meteringLabelNotFound(labelId);
  const rule: MeteringLabelRule = {
    id,
    metering_label_id: label.id,
    project_id: label.project_id,
    direction: v.direction,
    excluded: v.excluded,
    remote_ip_prefix: v.remote_ip_prefix,
    source_ip_prefix: v.source_ip_prefix ?? null,
    destination_ip_prefix: v.destination_ip_prefix ?? null,
  };
  checkOverlap(tx, rule);
  return tx.put('metering_label_rule', rule);
}

export const meteringLabelRuleHandler: HandlerSpec<'metering_label_rule', MeteringLabelRuleCreate, MeteringLabelRuleUpdate> = {
  kind: 'metering_label_rule',
  path: 'metering/metering-label-rules',
  notFound: meteringLabelRuleNotFound,
  target: (_view, r) => ({ projectId: r.project_id }),
  create: (tx, ctx, v) => createMeteringLabelRule(tx, ctx.newId(), v),
  update: noUpdate,
  delete: (tx, _ctx, rule) => tx.delete('metering_label_rule', rule.id),
};
