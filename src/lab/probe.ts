/**
 * A tiny network probe for reachability checks, run inside instances and the internet host:
 *
 *   node probe.js listen NAME [--lab DIR] tcp:22 udp:53  answer every connection/datagram with "NAME PEER-ADDRESS" (IPv4 and IPv6)
 *   node probe.js connect tcp 10.0.0.3 22 [TIMEOUT_MS]   print that answer and when the probe was sent (ms since the epoch);
 *                                                        unanswered: print "- - SENT" and exit 1 (default timeout 2 s)
 *   node probe.js reach tcp 10.0.0.3 22   exit 0 if the host answered at all: a SYN-ACK or a reset, a UDP
 *                                          reply or port unreachable (with or without a listener)
 *
 * `--lab DIR` only marks the listener as the lab's (in its command line), so `lab down` stops it
 * by pid knowing it is its own.
 *
 * Reporting the peer address is what lets the lab check NAT: the internet host sees a floating
 * IP or a router's gateway address, not the instance's own.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';

let timeoutMs = 2000;

/** A port another process holds is reported and skipped; the other listeners keep serving. */
const busy = (spec: string) => (e: Error) => process.stderr.write(`probe: cannot listen on ${spec}: ${e.message}\n`);

function listen(name: string, specs: readonly string[]): void {
  for (const spec of specs) {
    if (!/^(tcp|udp):\d+$/.test(spec)) continue;
    const [proto, port] = spec.split(':') as [string, string];
    if (proto === 'tcp') {
      createServer((s) => {
        s.on('error', () => undefined);
        s.end(`${name} ${s.remoteAddress?.replace(/^::ffff:/, '')}\n`);
      })
        .on('error', busy(spec))
        .listen(Number(port), '::');
    } else {
      // '::' without ipv6Only takes IPv4 too (as ::ffff:a.b.c.d).
      const sock = createSocket('udp6');
      sock.on('message', (_m, r) => sock.send(`${name} ${r.address.replace(/^::ffff:/, '')}\n`, r.port, r.address));
      sock.on('error', busy(spec));
      sock.bind(Number(port), '::');
    }
  }
}

/** No answer: says when the probe was sent (`- - SENT`), and exits 1. */
function unanswered(sent: number): never {
  process.stdout.write(`- - ${sent}\n`);
  process.exit(1);
}

function connectTcp(host: string, port: number): void {
  const sent = Date.now();
  const s = connect({ host, port });
  const timer = setTimeout(() => {
    s.destroy();
    unanswered(sent);
  }, timeoutMs);
  let data = '';
  s.on('data', (d) => (data += d));
  s.on('error', () => unanswered(sent));
  s.on('end', () => {
    clearTimeout(timer);
    if (!data) unanswered(sent);
    process.stdout.write(`${data.trim()} ${sent}\n`);
    process.exit(0);
  });
}

function connectUdp(host: string, port: number): void {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const sent = Date.now();
  const timer = setTimeout(() => unanswered(sent), timeoutMs);
  sock.on('message', (m) => {
    clearTimeout(timer);
    process.stdout.write(`${m.toString().trim()} ${sent}\n`);
    process.exit(0);
  });
  sock.send('probe', port, host);
}

/** Whether the host answers at all (a reset or port unreachable is an answer): exit 0 or 1. */
function reach(protocol: string, host: string, port: number): void {
  const done = (ok: boolean, says: string) => {
    process.stdout.write(`${says}\n`);
    process.exit(ok ? 0 : 1);
  };
  setTimeout(() => done(false, 'no answer'), timeoutMs);
  const refused = (e: NodeJS.ErrnoException) =>
    done(e.code === 'ECONNREFUSED', e.code === 'ECONNREFUSED' ? 'refused: answered' : String(e.code));
  if (protocol === 'tcp')
    connect({ host, port })
      .on('connect', () => done(true, 'connected'))
      .on('error', refused);
  else {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    sock.on('message', () => done(true, 'reply'));
    sock.on('error', refused);
    sock.connect(port, host, () => sock.send('probe'));
  }
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'connect' && args[3]) timeoutMs = Number(args[3]);
if (mode === 'reach') reach(args[0]!, args[1]!, Number(args[2]));
else if (mode === 'listen') listen(args[0]!, args.slice(args[1] === '--lab' ? 3 : 1));
else if (mode === 'connect' && args[0] === 'tcp') connectTcp(args[1]!, Number(args[2]));
else if (mode === 'connect' && args[0] === 'udp') connectUdp(args[1]!, Number(args[2]));
else {
  process.stderr.write('usage: probe listen NAME tcp:PORT|udp:PORT… | probe connect|reach tcp|udp HOST PORT\n');
  process.exit(2);
}
