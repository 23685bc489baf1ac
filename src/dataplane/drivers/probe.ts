/**
 * Sends one real packet from a network namespace and reports whether anything answered: for
 * `quark trace --probe`, from the namespace of the instance that is the trace's source.
 *
 *   ip netns exec vm2 ping -c 1 -W 1 10.0.0.3
 *   ip netns exec vm2 node -e '<connect>' tcp 10.0.0.3 22     (SYN-ACK or RST: answered)
 *   ip netns exec vm2 node -e '<send>' udp 10.0.0.3 53        (a reply or port unreachable: answered)
 *
 * Afterwards the namespace's neighbour entry for an on-link destination says which MAC
 * answered, which tells two ports with the same address apart.
 */
import { inNetns, run } from './exec.js';
import { listLinks, listNetns } from './ip.js';

export interface ProbeOutcome {
  readonly answered: boolean;
  readonly answeredBy: string | null;
  readonly detail: string;
}

const CONNECT = `
const [proto, host, port] = process.argv.slice(1);
const say = (s, ok) => { process.stdout.write(s + '\\n'); process.exit(ok ? 0 : 1); };
setTimeout(() => say('no answer within 1.5 s', false), 1500);
if (proto === 'tcp') {
  const s = require('node:net').connect({ host, port: Number(port) });
  s.on('connect', () => say('connected (SYN-ACK)', true));
  s.on('error', (e) => say(e.code === 'ECONNREFUSED' ? 'refused (RST): the host answered' : e.code, e.code === 'ECONNREFUSED'));
} else {
  const s = require('node:dgram').createSocket('udp4');
  s.on('message', () => say('reply received', true));
  s.on('error', (e) => say(e.code === 'ECONNREFUSED' ? 'port unreachable: the host answered' : e.code, e.code === 'ECONNREFUSED'));
  s.connect(Number(port), host, () => s.send('quark probe'));
}`;

/** The namespace (not one of the agent's own) holding an interface with `mac`, or null. */
export async function namespaceWithMac(mac: string, skipPrefixes: readonly string[]): Promise<string | null> {
  for (const ns of await listNetns()) {
    if (skipPrefixes.some((p) => ns.startsWith(p))) continue;
    const links = await listLinks(ns).catch(() => []);
    if (links.some((l) => l.address.toLowerCase() === mac.toLowerCase())) return ns;
  }
  return null;
}

async function answeredBy(netns: string, dst: string): Promise<string | null> {
  const route = await run(inNetns(netns, ['ip', '-j', 'route', 'get', dst]), { okStatuses: [1, 2] });
  const hop = (JSON.parse(route.stdout || '[]') as { gateway?: string }[])[0]?.gateway ?? dst;
  const neigh = await run(inNetns(netns, ['ip', '-j', 'neigh', 'show', hop]), { okStatuses: [1] });
  return (JSON.parse(neigh.stdout || '[]') as { lladdr?: string }[])[0]?.lladdr ?? null;
}

export async function probe(
  netns: string,
  protocol: 'icmp' | 'tcp' | 'udp',
  dst: string,
  port: number | null,
): Promise<ProbeOutcome> {
  const argv =
    protocol === 'icmp'
      ? ['ping', '-n', '-c', '1', '-W', '1', dst]
      : [process.execPath, '-e', CONNECT, protocol, dst, String(port ?? 0)];
  const r = await run(inNetns(netns, argv), { okStatuses: [1, 2], timeoutMs: 5000 });
  const answered = r.status === 0;
  const detail =
    protocol === 'icmp'
      ? answered
        ? (r.stdout.split('\n').find((l) => l.includes('bytes from')) ?? 'echo reply').trim()
        : 'no echo reply within 1 s'
      : r.stdout.trim();
  return { answered, answeredBy: answered ? await answeredBy(netns, dst) : null, detail };
}
