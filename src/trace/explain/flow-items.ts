/**
 * Explain's OpenFlow section: every flow of every bridge the plan owns, as dump-flows shows it
 * with its counters, tied to the object its cookie names, in plain words, and compared with
 * the plan flow by flow (table, priority and match identify a flow, as in OpenFlow): a planned
 * flow the bridge lacks is missing, a flow the plan does not have is extra (or learnt, for
 * br-tun's learned flows), a flow with other actions differs. The plan's OpenFlow 1.0
 * spellings are translated to what OVS prints, so spelling never counts as drift.
 */
import type { HostItem, ItemStatus } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import { formatCookie } from '../../dataplane/compile/cookies.js';
import type { FlowItem } from '../../dataplane/compile/plan.js';
import { splitTopLevel } from '../datapath-actions.js';
import { describeFlow, splitDumpedFlow } from '../describe-flow.js';
import type { ExplainView } from '../host-view.js';

/** A flow's identity: table, priority and match (fields sorted, quotes gone). */
const key = (table: number, priority: number, match: string) =>
  `${table} ${priority} ${match.replaceAll('"', '').split(',').filter(Boolean).sort().join(',')}`;

/**
 * Actions as OVS prints them at OpenFlow 1.4, from the plan's spelling (OpenFlow 1.0 names, as
 * the compiler writes them and ovs-ofctl translates on install): mod_vlan_vid pushes a tag on
 * untagged traffic and sets it on tagged, strip_vlan pops, set_tunnel sets tun_id; learn()
 * arguments are compared as a set (OVS reorders them).
 */
export function canonicalActions(actions: string, match: string): string {
  const tagged = /(^|,)dl_vlan=/.test(match);
  return splitTopLevel(actions.replaceAll('"', ''))
    .flatMap((a) => {
      const vid = /^mod_vlan_vid:(\d+)$/.exec(a);
      if (vid) {
        const set = `set_field:${Number(vid[1]) + 4096}->vlan_vid`;
        return tagged ? [set] : ['push_vlan:0x8100', set];
      }
      if (a === 'strip_vlan') return ['pop_vlan'];
      const tunnel = /^set_tunnel:(0x[0-9a-f]+)$/.exec(a);
      if (tunnel) return [`set_field:${tunnel[1]}->tun_id`];
      const learn = /^learn\((.*)\)$/.exec(a);
      if (learn) return [`learn(${splitTopLevel(learn[1]!).sort().join(',')})`];
      return [a];
    })
    .join(',');
}

function owners(view: ExplainView, cookie: bigint): ObjectRef[] {
  const o = view.labels.cookieOwner(cookie);
  return o ? [o] : [];
}

/** A planned flow as dump-flows would print it (minus counters). */
const planLine = (f: FlowItem) =>
  `cookie=${formatCookie(f.cookie)}, table=${f.table}, priority=${f.priority}${f.match ? `,${f.match}` : ''} actions=${f.actions}`;

/** The dump line without the parts that change every second. */
const steady = (text: string) =>
  text
    .replace(/ duration=[^,]+,/, '')
    .replace(/ idle_age=[^,]+,/, '')
    .replace(/ hard_age=[^,]+,/, '')
    .trim();

export async function flowItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  for (const bridge of view.plan.bridges.map((b) => b.name)) {
    const planned = new Map(
      view.plan.flows.filter((f) => f.bridge === bridge).map((f) => [key(f.table, f.priority, f.match), f]),
    );
    for (const f of await view.flows(bridge)) {
      const { match, actions } = splitDumpedFlow(f.text);
      const k = key(f.table, f.priority, match);
      const want = planned.get(k);
      planned.delete(k);
      const learnt = f.cookie === 0n && /hard_timeout=/.test(f.text);
      const same = want && canonicalActions(want.actions, want.match) === canonicalActions(actions, match);
      const status: ItemStatus = want ? (same ? 'ok' : 'differs') : learnt ? 'learnt' : 'extra';
      const says = describeFlow(view.labels, bridge, f.table, match, [actions]);
      out.push({
        section: 'flow',
        where: bridge,
        text: steady(f.text),
        says:
          status === 'differs' && want
            ? `${says}; the plan wants actions=${want.actions}`
            : learnt
              ? `${says} (learnt from traffic, expires)`
              : status === 'extra'
                ? `${says} (not in the plan)`
                : says,
        owners: owners(view, f.cookie),
        status,
        packets: f.packets,
        bytes: f.bytes,
      });
    }
    for (const f of planned.values()) {
      out.push({
        section: 'flow',
        where: bridge,
        text: planLine(f),
        says: describeFlow(view.labels, bridge, f.table, f.match, [f.actions]),
        owners: owners(view, f.cookie),
        status: 'missing',
      });
    }
  }
  return out;
}
