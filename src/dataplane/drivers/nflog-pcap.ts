/**
 * Reads what `tcpdump -i nflog:<group> -U -w -` writes: a pcap stream of NFLOG records
 * (link type DLT_NFLOG, 239), each the packet a firewall rule logged with the rule's
 * `--nflog-prefix`. Pure: bytes in, records out, chunk boundaries anywhere.
 *
 * NFLOG record (libpcap's pcap-linktype DLT_NFLOG): family u8, version u8, resource id u16 (big
 * endian), then TLVs: length u16 and type u16 (in the capturing host's byte order, as the pcap
 * header's magic says), value, padding to 4 bytes. Type 10 is the prefix (NUL-terminated),
 * type 9 the packet from its IP header on.
 */
import { formatIp } from '../../model/ip/address.js';

export interface NflogRecord {
  /** Capture time, milliseconds since the epoch. */
  readonly time: number;
  readonly prefix: string;
  readonly family: 4 | 6;
  /** IANA protocol number. */
  readonly protocol: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number | null;
  readonly dport: number | null;
  readonly icmpType: number | null;
  readonly icmpCode: number | null;
}

const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;
const DLT_NFLOG = 239;

/** The packet's addresses, protocol and ports from its IP header on; null for anything else. */
export function packetFields(p: Buffer): Omit<NflogRecord, 'time' | 'prefix'> | null {
  if (p.length < 1) return null;
  const version = p[0]! >> 4;
  let protocol: number;
  let l4: number;
  let src: string;
  let dst: string;
  if (version === 4 && p.length >= 20) {
    protocol = p[9]!;
    l4 = (p[0]! & 0x0f) * 4;
    src = formatIp({ version: 4, value: BigInt(p.readUInt32BE(12)) });
    dst = formatIp({ version: 4, value: BigInt(p.readUInt32BE(16)) });
  } else if (version === 6 && p.length >= 40) {
    protocol = p[6]!;
    l4 = 40;
    src = formatIp({ version: 6, value: BigInt(`0x${p.subarray(8, 24).toString('hex')}`) });
    dst = formatIp({ version: 6, value: BigInt(`0x${p.subarray(24, 40).toString('hex')}`) });
  } else return null;
  const ports = (protocol === 6 || protocol === 17 || protocol === 132) && p.length >= l4 + 4;
  const icmp = (protocol === 1 || protocol === 58) && p.length >= l4 + 2;
  return {
    family: version,
    protocol,
    src,
    dst,
    sport: ports ? p.readUInt16BE(l4) : null,
    dport: ports ? p.readUInt16BE(l4 + 2) : null,
    icmpType: icmp ? p[l4]! : null,
    icmpCode: icmp ? p[l4 + 1]! : null,
  };
}

/** One NFLOG record (after the pcap record header); null when it has no prefix or no IP packet. */
export function nflogRecord(data: Buffer, time: number, little: boolean): NflogRecord | null {
  let prefix: string | null = null;
  let payload: Buffer | null = null;
  let at = 4;
  while (at + 4 <= data.length) {
    const length = little ? data.readUInt16LE(at) : data.readUInt16BE(at);
    const type = (little ? data.readUInt16LE(at + 2) : data.readUInt16BE(at + 2)) & 0x7fff;
    if (length < 4 || at + length > data.length) break;
    const value = data.subarray(at + 4, at + length);
    if (type === NFULA_PREFIX) prefix = value.toString('latin1').replace(/\0.*$/s, '');
    if (type === NFULA_PAYLOAD) payload = value;
    at += (length + 3) & ~3;
  }
  if (prefix === null || payload === null) return null;
  const fields = packetFields(payload);
  return fields ? { time, prefix, ...fields } : null;
}

/** Splits a pcap byte stream into NFLOG records; feed it chunks as they come. */
export class NflogPcapReader {
  private buffer: Buffer = Buffer.alloc(0);
  private little: boolean | null = null;
  private nanos = false;

  push(chunk: Buffer): NflogRecord[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const out: NflogRecord[] = [];
    if (this.little === null) {
      if (this.buffer.length < 24) return out;
      const magic = this.buffer.readUInt32LE(0);
      if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) this.little = true;
      else if (this.buffer.readUInt32BE(0) === 0xa1b2c3d4 || this.buffer.readUInt32BE(0) === 0xa1b23c4d) this.little = false;
      else throw new Error('not a pcap stream');
      this.nanos = (this.little ? magic : this.buffer.readUInt32BE(0)) === 0xa1b23c4d;
      const linkType = this.little ? this.buffer.readUInt32LE(20) : this.buffer.readUInt32BE(20);
      if (linkType !== DLT_NFLOG) throw new Error(`pcap link type ${linkType}, not NFLOG`);
      this.buffer = this.buffer.subarray(24);
    }
    const u32 = (at: number) => (this.little ? this.buffer.readUInt32LE(at) : this.buffer.readUInt32BE(at));
    while (this.buffer.length >= 16) {
      const length = u32(8);
      if (this.buffer.length < 16 + length) break;
      const time = u32(0) * 1000 + Math.floor(u32(4) / (this.nanos ? 1_000_000 : 1000));
      const record = nflogRecord(this.buffer.subarray(16, 16 + length), time, this.little!);
      if (record) out.push(record);
      this.buffer = this.buffer.subarray(16 + length);
    }
    return out;
  }
}
