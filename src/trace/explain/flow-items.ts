/**
 * Explain's OpenFlow section: every flow of every bridge the plan owns, as dump-flows shows it
 * with its counters, tied to the object its cookie names, in plain words, and compared with
 * the plan by OVS itself (`ovs-ofctl diff-flows`, which parses both sides, so OpenFlow
 * spellings never count as drift): a planned flow the bridge lacks is missing, a flow the plan
 * does not have is extra (or learnt, for br-tun's learned flows), a flow with other actions
 * differs.
 */
import type { HostItem, ItemStatus } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import { describeFlow, splitDumpedFlow } from '../describe-flow.js';
import type { ExplainView } from '../host-view.js';

interface DiffLine {
  readonly sign: '+' | '-';
  readonly table: number;
  readonly priority: number;
  readonly match: string;
  readonly cookie: bigint;
  readonly actions: string;
  readonly text: string;
}

const key = (table: number, priority: number, match: string) =>
  `${table} ${priority} ${match.replaceAll('"', '').split(',').filter(Boolean).sort().join(',')}`;

/** `+table=3 priority=1,tun_id=0x2 cookie=0x5155… actions=…` (table 0 is not printed). */
export function parseFlowDiff(text: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const line of text.split('\n')) {
    const m = /^([+-])(?:table=(\d+) )?priority=(\d+)(?:,(\S*))?(?: cookie=(0x[0-9a-f]+))?(?: \S+)*? actions=(.*)$/.exec(
      line.trim(),
    );
    if (!m) continue;
    const [, sign, table, priority, match, cookie, actions] = m;
    out.push({
      sign: sign as '+' | '-',
      table: Number(table ?? 0),
      priority: Number(priority),
      match: match ?? '',
      cookie: BigInt(cookie ?? '0'),
      actions: actions!,
      text: line.trim().slice(1),
    });
  }
  return out;
}

function owners(view: ExplainView, cookie: bigint): ObjectRef[] {
  const o = view.labels.cookieOwner(cookie);
  return o ? [o] : [];
}

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
    const [dumped, diffText] = await Promise.all([view.flows(bridge), view.flowDiff(bridge)]);
    const diff = parseFlowDiff(diffText);
    const plus = new Set(diff.filter((d) => d.sign === '+').map((d) => key(d.table, d.priority, d.match)));
    const minus = new Map(diff.filter((d) => d.sign === '-').map((d) => [key(d.table, d.priority, d.match), d]));
    for (const f of dumped) {
      const { match, actions } = splitDumpedFlow(f.text);
      const k = key(f.table, f.priority, match);
      const learnt = f.cookie === 0n && /hard_timeout=/.test(f.text);
      let status: ItemStatus = 'ok';
      if (plus.has(k)) status = minus.has(k) ? 'differs' : learnt ? 'learnt' : 'extra';
      const says = describeFlow(view.labels, bridge, f.table, match, [actions]);
      const wanted = minus.get(k);
      out.push({
        section: 'flow',
        where: bridge,
        text: steady(f.text),
        says:
          status === 'differs' && wanted
            ? `${says}; the plan wants actions=${wanted.actions}`
            : learnt
              ? `${says} (learnt from traffic, expires)`
              : says,
        owners: owners(view, f.cookie),
        status,
        packets: f.packets,
        bytes: f.bytes,
      });
    }
    for (const [k, d] of minus) {
      if (plus.has(k)) continue;
      out.push({
        section: 'flow',
        where: bridge,
        text: d.text,
        says: describeFlow(view.labels, bridge, d.table, d.match, [d.actions]),
        owners: owners(view, d.cookie),
        status: 'missing',
      });
    }
  }
  return out;
}
