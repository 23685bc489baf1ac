/**
 * Security group logging on the host (docs/security-group-logging.md): while a network log
 * covers a port of this host, the firewall's NFLOG rules send that port's events to one NFLOG
 * group, a tcpdump of the agent's reads them, and each becomes one line of the host's log file:
 *
 *   2026-12-07T08:02:11.532Z action=DROP direction=ingress project_id=… log_resource_ids=[…]
 *     vm_port=<port id> security_group_rule=none protocol=tcp src=203.0.113.1 sport=40000
 *     dst=10.0.0.4 dport=80
 *
 * (one line). The rule and the port come from the NFLOG prefix (`A|D i|o <rule>|- <tap device>`,
 * hybrid-driver.ts); the project and the logs from the plan the rules were applied with.
 */
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { SecurityGroupLogSettings } from '../dataplane/compile/inputs.js';
import type { FirewallPortItem, HostPlan } from '../dataplane/compile/plan.js';
import { NflogListener } from '../dataplane/drivers/nflog.js';
import type { NflogRecord } from '../dataplane/drivers/nflog-pcap.js';

const PROTOCOLS: Readonly<Record<number, string>> = { 1: 'icmp', 6: 'tcp', 17: 'udp', 58: 'ipv6-icmp', 132: 'sctp' };

/** One log line for an event of a logged port; null when the prefix is not one of ours. */
export function logLine(r: NflogRecord, ports: ReadonlyMap<string, FirewallPortItem>): string | null {
  const m = /^([AD]) ([io]) (\S+) (\S+)$/.exec(r.prefix);
  if (!m) return null;
  const port = ports.get(m[4]!);
  const fields: (readonly [string, string | number])[] = [
    ['action', m[1] === 'A' ? 'ACCEPT' : 'DROP'],
    ['direction', m[2] === 'i' ? 'ingress' : 'egress'],
    ['project_id', port?.projectId ?? ''],
    ['log_resource_ids', `[${port?.log?.logIds.join(',') ?? ''}]`],
    ['vm_port', port?.portId ?? m[4]!],
    ['security_group_rule', m[3] === '-' ? 'none' : m[3]!],
    ['protocol', PROTOCOLS[r.protocol] ?? r.protocol],
    ['src', r.src],
    ...(r.sport !== null ? [['sport', r.sport] as const] : []),
    ['dst', r.dst],
    ...(r.dport !== null ? [['dport', r.dport] as const] : []),
    ...(r.icmpType !== null ? [['icmp_type', r.icmpType] as const, ['icmp_code', r.icmpCode ?? 0] as const] : []),
  ];
  return `${new Date(r.time).toISOString()} ${fields.map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

export class SecurityGroupLogWriter {
  private listener: NflogListener | null = null;
  private out: WriteStream | null = null;
  /** Logged ports by device, as the last applied plan has them. */
  private ports = new Map<string, FirewallPortItem>();
  /** Lines written since start (the status socket and tests read it). */
  written = 0;

  /** `netns`: where the host's firewall is; null (the agent's namespace) but in tests. */
  constructor(
    private readonly log: Logger,
    private readonly file: string,
    private readonly settings: SecurityGroupLogSettings,
    private readonly netns: string | null = null,
  ) {}

  /** Follows the plan: listens while some port is logged, stops when none is. Idempotent. */
  async update(plan: HostPlan): Promise<boolean> {
    const logged = plan.firewallPorts.filter((p) => p.log);
    this.ports = new Map(logged.map((p) => [p.device, p]));
    if (logged.length === 0) {
      await this.close();
      return false;
    }
    if (this.listener?.running) return false;
    mkdirSync(dirname(this.file), { recursive: true });
    this.out ??= createWriteStream(this.file, { flags: 'a' });
    this.listener = new NflogListener(
      this.settings.nflogGroup,
      this.netns,
      (r) => this.write(r),
      (why) => this.log.warn({ why }, 'security group log reader stopped; the next pass starts it again'),
    );
    await this.listener.start();
    this.log.info({ file: this.file, group: this.settings.nflogGroup }, 'security group logging started');
    return true;
  }

  private write(r: NflogRecord): void {
    const line = logLine(r, this.ports);
    if (line === null || !this.out) return;
    this.out.write(`${line}\n`);
    this.written++;
  }

  async close(): Promise<void> {
    await this.listener?.stop();
    this.listener = null;
    const out = this.out;
    this.out = null;
    if (out) await new Promise((resolve) => out.end(resolve));
  }
}
