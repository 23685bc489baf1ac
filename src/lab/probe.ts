/**
 * A tiny network probe for reachability checks, run inside instances and the internet host:
 *
 *   node probe.js listen NAME tcp:22 udp:53  answer every connection/datagram with "NAME PEER-ADDRESS" (IPv4 and IPv6)
 *   node probe.js connect tcp 10.0.0.3 22   print that answer; exit 1 if unreachable
 *
 * Reporting the peer address is what lets the lab check NAT: the internet host sees a floating
 * IP or a router's gateway address, not the instance's own.
 */
import { createSocket } from 'node:dgram';
import { connect, createServer } from 'node:net';

const TIMEOUT_MS = 2000;

function listen(name: string, specs: readonly string[]): void {
  for (const spec of specs) {
    const [proto, port] = spec.split(':') as [string, string];
    if (proto === 'tcp') {
      createServer((s) => {
        s.on('error', () => undefined);
        s.end(`${name} ${s.remoteAddress?.replace(/^::ffff:/, '')}\n`);
      }).listen(Number(port), '::');
    } else {
      // '::' without ipv6Only takes IPv4 too (as ::ffff:a.b.c.d).
      const sock = createSocket('udp6');
      sock.on('message', (_m, r) => sock.send(`${name} ${r.address.replace(/^::ffff:/, '')}\n`, r.port, r.address));
      sock.bind(Number(port), '::');
    }
  }
}

function connectTcp(host: string, port: number): void {
  const s = connect({ host, port });
  const timer = setTimeout(() => {
    s.destroy();
    process.exit(1);
  }, TIMEOUT_MS);
  let data = '';
  s.on('data', (d) => (data += d));
  s.on('error', () => process.exit(1));
  s.on('end', () => {
    clearTimeout(timer);
    process.stdout.write(data);
    process.exit(data ? 0 : 1);
  });
}

function connectUdp(host: string, port: number): void {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const timer = setTimeout(() => process.exit(1), TIMEOUT_MS);
  sock.on('message', (m) => {
    clearTimeout(timer);
    process.stdout.write(m.toString());
    process.exit(0);
  });
  sock.send('probe', port, host);
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'listen') listen(args[0]!, args.slice(1));
else if (mode === 'connect' && args[0] === 'tcp') connectTcp(args[1]!, Number(args[2]));
else if (mode === 'connect' && args[0] === 'udp') connectUdp(args[1]!, Number(args[2]));
else {
  process.stderr.write('usage: probe listen NAME tcp:PORT|udp:PORT… | probe connect tcp|udp HOST PORT\n');
  process.exit(2);
}
