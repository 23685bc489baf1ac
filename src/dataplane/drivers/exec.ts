/**
 * Runs host commands for the drivers: argv only (never a shell), optional stdin, a timeout,
 * and a QuarkError('HostCommandFailed') carrying argv, exit status and stderr on failure.
 * Drivers are the only code that runs host commands.
 */
import { spawn } from 'node:child_process';
import { QuarkError } from '../../model/errors.js';

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Exit statuses that are not failures (e.g. 1 for "not found" answers). */
  readonly okStatuses?: readonly number[];
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [cmd, ...args] = argv;
  if (!cmd) return Promise.reject(new QuarkError('HostCommandFailed', 'empty command'));
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: options.env ? { ...process.env, ...options.env } : process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 30_000);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new QuarkError('HostCommandFailed', `${cmd} could not start: ${e.message}`, { detail: argv.join(' '), cause: e }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const result = { stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), status: code ?? -1 };
      if (code === 0 || (code !== null && options.okStatuses?.includes(code))) resolve(result);
      else {
        const why = signal ? `killed by ${signal}` : `exit status ${code}`;
        reject(
          new QuarkError('HostCommandFailed', `${cmd} failed (${why}): ${result.stderr.trim().split('\n').pop() ?? ''}`, {
            detail: `argv: ${argv.join(' ')}\nstatus: ${code ?? signal}\nstderr: ${result.stderr.trim()}`,
          }),
        );
      }
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Prefixes argv so it runs inside a network namespace (`ip netns exec NS …`). */
export function inNetns(netns: string | null, argv: readonly string[]): string[] {
  return netns ? ['ip', 'netns', 'exec', netns, ...argv] : [...argv];
}
