import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NflogPcapReader, packetFields } from './nflog-pcap.js';

/** A TLV of an NFLOG record (little-endian length and type, padded to 4 bytes). */
function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16LE(4 + value.length, 0);
  head.writeUInt16LE(type, 2);
  const pad = Buffer.alloc((4 - ((4 + value.length) % 4)) % 4);
  return Buffer.concat([head, value, pad]);
}

/** An IPv4 TCP SYN from 10.0.0.3:40000 to 10.0.0.4:6000 (headers only). */
function tcpSyn(): Buffer {
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip[9] = 6;
  Buffer.from([10, 0, 0, 3]).copy(ip, 12);
  Buffer.from([10, 0, 0, 4]).copy(ip, 16);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(6000, 2);
  return Buffer.concat([ip, tcp]);
}

function pcap(records: Buffer[]): Buffer {
  const global = Buffer.alloc(24);
  global.writeUInt32LE(0xa1b2c3d4, 0);
  global.writeUInt16LE(2, 4);
  global.writeUInt16LE(4, 6);
  global.writeUInt32LE(256, 16);
  global.writeUInt32LE(239, 20);
  const out: Buffer[] = [global];
  for (const [i, data] of records.entries()) {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(1_780_000_000 + i, 0);
    h.writeUInt32LE(250_000, 4);
    h.writeUInt32LE(data.length, 8);
    h.writeUInt32LE(data.length, 12);
    out.push(h, data);
  }
  return Buffer.concat(out);
}

const record = (prefix: string) =>
  Buffer.concat([Buffer.from([2, 0, 0, 13]), tlv(10, Buffer.from(`${prefix}\0`)), tlv(9, tcpSyn())]);

describe('NFLOG records from tcpdump’s pcap stream', () => {
  it('reads prefix, addresses and ports, whatever the chunk boundaries', () => {
    const bytes = pcap([record('D i - tapc0de2000-00'), record('A o 8a61c0f2-5b3d-4e7a-a1c9-0d2e4f6a8b10 tapc0de2000-00')]);
    for (const cut of [1, 7, 24, 30, 61, bytes.length - 1]) {
      const reader = new NflogPcapReader();
      const got = [...reader.push(bytes.subarray(0, cut)), ...reader.push(bytes.subarray(cut))];
      assert.deepEqual(
        got.map((r) => [r.prefix, r.src, r.sport, r.dst, r.dport, r.protocol, r.time]),
        [
          ['D i - tapc0de2000-00', '10.0.0.3', 40000, '10.0.0.4', 6000, 6, 1_780_000_000_250],
          ['A o 8a61c0f2-5b3d-4e7a-a1c9-0d2e4f6a8b10 tapc0de2000-00', '10.0.0.3', 40000, '10.0.0.4', 6000, 6, 1_780_000_001_250],
        ],
        `cut at ${cut}`,
      );
    }
  });

  it('reads ICMP type and code, and IPv6 addresses', () => {
    const v6 = Buffer.alloc(48);
    v6[0] = 0x60;
    v6[6] = 58;
    v6[8] = 0x20;
    v6[9] = 0x01;
    v6[23] = 1;
    v6[24] = 0x20;
    v6[25] = 0x01;
    v6[39] = 2;
    v6[40] = 128;
    assert.deepEqual(packetFields(v6), {
      family: 6,
      protocol: 58,
      src: '2001::1',
      dst: '2001::2',
      sport: null,
      dport: null,
      icmpType: 128,
      icmpCode: 0,
    });
  });

  it('refuses a stream that is not NFLOG', () => {
    const bytes = pcap([]);
    bytes.writeUInt32LE(1, 20);
    assert.throws(() => new NflogPcapReader().push(bytes), /not NFLOG/);
  });
});
