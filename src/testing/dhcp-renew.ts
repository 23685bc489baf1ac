/**
 * A DHCP client's renewal, step by step as RFC 2131 §4.4.5 has it, for tests that must not wait
 * for a lease's T1 (dnsmasq hands out at least two minutes): RENEWING, a DHCPREQUEST with
 * `ciaddr` unicast to the server that gave the lease; if none answers, REBINDING, the same
 * request broadcast, which any server may answer. Run inside the instance's namespace:
 *
 *   node dhcp-renew.js <mac> <leased ip> <server ip> [wait ms]
 *
 * prints one JSON line: `{"renewing": <answer or null>, "rebinding": <answer or null>}`, an
 * answer being `{"type": "ACK"|"NAK", "server": …, "ip": …}`.
 */
import { randomBytes } from 'node:crypto';
import { type Socket, createSocket } from 'node:dgram';

const MAGIC = [99, 130, 83, 99];

export interface DhcpAnswer {
  readonly type: 'ACK' | 'NAK' | 'OTHER';
  readonly server: string | null;
  readonly ip: string;
}

const ipBytes = (ip: string) => ip.split('.').map(Number);
const ipText = (b: Buffer, at: number) => [...b.subarray(at, at + 4)].join('.');

/** A DHCPREQUEST of a client in RENEWING or REBINDING: ciaddr set, no server id, no requested address. */
export function renewRequest(mac: string, ip: string, xid: Buffer): Buffer {
  const b = Buffer.alloc(300);
  b[0] = 1; // BOOTREQUEST
  b[1] = 1; // Ethernet
  b[2] = 6;
  xid.copy(b, 4);
  Buffer.from(ipBytes(ip)).copy(b, 12); // ciaddr
  Buffer.from(mac.split(':').map((h) => Number.parseInt(h, 16))).copy(b, 28); // chaddr
  Buffer.from([...MAGIC, 53, 1, 3, 55, 3, 1, 3, 6, 255]).copy(b, 236);
  return b;
}

export function parseAnswer(b: Buffer, xid: Buffer): DhcpAnswer | null {
  if (b.length < 240 || b[0] !== 2 || !b.subarray(4, 8).equals(xid)) return null;
  let type: DhcpAnswer['type'] = 'OTHER';
  let server: string | null = null;
  for (let i = 240; i < b.length && b[i] !== 255; ) {
    const code = b[i]!;
    if (code === 0) {
      i++;
      continue;
    }
    const len = b[i + 1]!;
    if (code === 53) type = b[i + 2] === 5 ? 'ACK' : b[i + 2] === 6 ? 'NAK' : 'OTHER';
    if (code === 54 && len === 4) server = ipText(b, i + 2);
    i += 2 + len;
  }
  return { type, server, ip: ipText(b, 16) };
}

function ask(socket: Socket, request: Buffer, to: string, xid: Buffer, waitMs: number): Promise<DhcpAnswer | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => done(null), waitMs);
    const onMessage = (msg: Buffer) => {
      const answer = parseAnswer(msg, xid);
      if (answer) done(answer);
    };
    const done = (a: DhcpAnswer | null) => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(a);
    };
    socket.on('message', onMessage);
    socket.send(request, 67, to);
  });
}

async function main(): Promise<void> {
  const [mac, ip, server, wait] = process.argv.slice(2);
  if (!mac || !ip || !server) throw new Error('usage: dhcp-renew <mac> <leased ip> <server ip> [wait ms]');
  const waitMs = Number(wait ?? 2000);
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  await new Promise<void>((r) => socket.bind(68, () => r()));
  socket.setBroadcast(true);
  const renewXid = randomBytes(4);
  const renewing = await ask(socket, renewRequest(mac, ip, renewXid), server, renewXid, waitMs);
  const rebindXid = randomBytes(4);
  const rebinding = renewing ? null : await ask(socket, renewRequest(mac, ip, rebindXid), '255.255.255.255', rebindXid, waitMs);
  socket.close();
  process.stdout.write(`${JSON.stringify({ renewing, rebinding })}\n`);
}

if (process.argv[1]?.endsWith('dhcp-renew.js')) {
  main().catch((e: unknown) => {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(1);
  });
}
