/**
 * A trace hop's evidence (the flows, rules, routes and neighbours that decided it, as data since
 * src/model/trace.ts made them so) as one line each in the hosts' own syntax, with what it means:
 * what the trace panel and the details of a hop's element list.
 */
import type { Evidence } from '../model/trace.js';

const counted = (c: { packets: number; bytes: number } | null) => (c ? `  [${c.packets} pkts, ${c.bytes} bytes]` : '');

export function evidenceText(e: Evidence): string {
  switch (e.kind) {
    case 'flow':
      return `${e.bridge} ${e.tableName}${e.priority !== null ? ` priority=${e.priority}` : ''} ${e.match === null ? '(no flow matched)' : e.match || '(any)'}${e.actions.length > 0 ? ` actions=${e.actions.join(',')}` : ''}${counted(e.counters)}`;
    case 'rule':
      return `${e.netns ? `[${e.netns}] ` : ''}-t ${e.table} -A ${e.chain} ${e.rule}${e.matched ? '' : '  (not matched)'}${counted(e.counters)}`;
    case 'route':
      return `[${e.netns}] ip route get ${e.dst} from ${e.src} iif ${e.iif}: ${e.error ?? `${e.type ?? '?'}${e.gateway ? ` via ${e.gateway}` : ''}${e.dev ? ` dev ${e.dev}` : ''}`}`;
    case 'neighbour':
      return `[${e.netns}] ${e.ip} dev ${e.dev} lladdr ${e.mac ?? 'none'} (${e.source === 'port' ? 'the API’s port' : e.source === 'neighbour-table' ? 'neighbour table' : 'unknown'})`;
    case 'fdb':
      return `bridge fdb ${e.table.startsWith('vxlan-') ? 'dev' : 'br'} ${e.table} ${e.mac}: ${e.entries.join('; ') || 'no entry'}`;
  }
}
