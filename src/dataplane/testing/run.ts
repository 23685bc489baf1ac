/**
 * Runs a command for a host test and returns its standard output. A non-zero exit rejects with
 * QuarkError('HostCommandFailed') whose detail holds the argv, the exit status and stderr.
 */
import { execFile } from 'node:child_process';
import { QuarkError } from '../../model/errors.js';

export interface RunOptions {
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

export function run(argv: readonly string[], options: RunOptions = {}): Promise<string> {
  const [file, ...args] = argv;
  if (!file) throw new Error('run: empty argv');
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: { ...process.env, ...options.env }, timeout: options.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const status = typeof error.code === 'number' ? `exit status ${error.code}` : (error.signal ?? String(error.code));
        reject(
          new QuarkError('HostCommandFailed', `${file} failed: ${stderr.trim() || error.message}`, {
            detail: `argv: ${JSON.stringify(argv)}\n${status}\nstderr: ${stderr}`,
            cause: error,
          }),
        );
      },
    );
  });
}
