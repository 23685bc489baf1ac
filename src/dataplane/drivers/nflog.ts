/**
 * Listens to one NFLOG group with tcpdump, which reads NFLOG through libpcap (no daemon of
 * its own, nothing to configure), and hands each logged packet to a callback:
 *
 *   ip netns exec NS tcpdump -i nflog:13 --immediate-mode -U -w - -s 256 -q
 *
 * `-U -w -` writes each packet to the pipe as it comes (no buffering), as pcap; nflog-pcap.ts
 * reads the records, the rule's prefix included (tcpdump's own text output leaves it out).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { QuarkError } from '../../model/errors.js';
import { inNetns } from './exec.js';
import { NflogPcapReader, type NflogRecord } from './nflog-pcap.js';

export class NflogListener {
  private child: ChildProcessWithoutNullStreams | null = null;

  constructor(
    readonly group: number,
    private readonly netns: string | null,
    private readonly onRecord: (r: NflogRecord) => void,
    private readonly onExit: (why: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts tcpdump and resolves once it listens (it says so on stderr); idempotent. */
  start(timeoutMs = 5000): Promise<void> {
    if (this.child) return Promise.resolve();
    const [cmd, ...args] = inNetns(this.netns, [
      'tcpdump',
      '-i',
      `nflog:${this.group}`,
      '--immediate-mode',
      '-U',
      '-w',
      '-',
      '-s',
      '256',
      '-q',
    ]);
    const child = spawn(cmd!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child = child;
    const reader = new NflogPcapReader();
    child.stdout.on('data', (chunk: Buffer) => {
      for (const r of reader.push(chunk)) this.onRecord(r);
    });
    let stderr = '';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new QuarkError('HostCommandFailed', `tcpdump did not listen: ${stderr}`)), timeoutMs);
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (stderr.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('error', (e) => {
        clearTimeout(timer);
        this.child = null;
        reject(new QuarkError('HostCommandFailed', `tcpdump could not start: ${e.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (this.child === child) {
          this.child = null;
          this.onExit(`tcpdump exited (${signal ?? code}): ${stderr.trim().split('\n').pop() ?? ''}`);
        }
        reject(new QuarkError('HostCommandFailed', `tcpdump exited: ${stderr.trim()}`));
      });
    });
  }

  /** Stops tcpdump (by the pid it started); idempotent. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    const closed = new Promise((resolve) => child.once('close', resolve));
    child.kill('SIGTERM');
    await closed;
  }
}
