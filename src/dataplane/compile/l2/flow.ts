/** Builds flow items; the cookie always follows from the origin. */
import { cookieOf } from '../cookies.js';
import type { FlowItem, Origin } from '../plan.js';

export function flow(bridge: string, table: number, priority: number, match: string, actions: string, origin: Origin): FlowItem {
  return { kind: 'flow', bridge, table, priority, match, actions, cookie: cookieOf(origin), origin };
}

export const hostOrigin = (host: string): Origin => ({ kind: 'host', id: host });
