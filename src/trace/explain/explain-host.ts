/**
 * explain on one host: everything the host has that Quark made or should have made, each item
 * tied to the API objects that caused it and compared with the agent's plan, read live. With
 * `refs` (`kind:id`) only the items tied to one of those objects are returned; without, all
 * of them (`quark explain host`), the host's own things and foreign ones included.
 */
import type { HostExplanation, HostItem } from '../../model/explain.js';
import { refKey } from '../../model/trace.js';
import type { ExplainView } from '../host-view.js';
import { flowItems } from './flow-items.js';
import { linuxBridgeItems } from './linuxbridge-items.js';
import { ipsetItems, iptablesItems } from './netfilter-items.js';
import { netnsItems } from './netns-items.js';
import { ovsItems } from './ovs-items.js';
import { qosItems } from './qos-items.js';

export async function explainHost(
  view: ExplainView,
  refs: readonly string[] | null,
  roles: readonly string[],
): Promise<HostExplanation> {
  const sections = await Promise.all([
    netnsItems(view),
    ovsItems(view),
    linuxBridgeItems(view),
    flowItems(view),
    qosItems(view),
    iptablesItems(view),
    ipsetItems(view),
  ]);
  let items: HostItem[] = sections.flat();
  if (refs !== null) {
    const wanted = new Set(refs);
    // Cookies carry only 10 hex digits of an id: match those too.
    const prefixes = new Set(refs.map((r) => r.replaceAll('-', '').slice(0, r.indexOf(':') + 11)));
    items = items.filter((i) => i.owners.some((o) => wanted.has(refKey(o)) || prefixes.has(refKey(o))));
  }
  return { host: view.host, roles, items };
}
