/**
 * Log lines for people. The server and the agent log pino's JSON, one object a line, which is what
 * log collectors want; on a terminal (or with `logFormat: text`) each object becomes one readable
 * line instead: time, level, process, message, then the other fields as key=value. Stack traces
 * are kept for errors and left out below that level: a warning says what went wrong, not where in
 * the code.
 */

export type LogFormat = 'auto' | 'text' | 'json';

const LEVELS: Readonly<Record<number, string>> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const ERROR_LEVEL = 50;
/** Fields every line has, shown in the line's head rather than as key=value. */
const HEAD = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'host']);

/** Whether to write text: asked for, or `auto` and the log goes to a terminal. */
export function wantsText(format: LogFormat, isTty: boolean): boolean {
  return format === 'text' || (format === 'auto' && isTty);
}

function value(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

interface LoggedError {
  readonly message?: string;
  readonly stack?: string;
  readonly type?: string;
}

/** One pino JSON line as text (a line that is not JSON passes through unchanged). */
export function formatLogLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const level = typeof o.level === 'number' ? o.level : 30;
  const time = typeof o.time === 'number' ? new Date(o.time).toISOString().replace('T', ' ').slice(0, 23) : '';
  const who = [o.name, o.host].filter((x) => typeof x === 'string' && x !== '').join(' ');
  const fields: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(o)) {
    if (HEAD.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object') {
      const e = v as LoggedError;
      fields.push(`err=${value(e.message ?? e.type ?? 'error')}`);
      if (level >= ERROR_LEVEL && e.stack)
        stack = e.stack
          .split('\n')
          .slice(1)
          .map((l) => `\n    ${l.trim()}`)
          .join('');
      continue;
    }
    fields.push(`${k}=${value(v)}`);
  }
  const head = `${time} ${(LEVELS[level] ?? String(level)).padEnd(5)} ${who}:`;
  return `${head} ${o.msg ?? ''}${fields.length > 0 ? `  ${fields.join(' ')}` : ''}${stack}\n`;
}
