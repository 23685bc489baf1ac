// Helpers the lab benchmarks share: options, percentiles, how busy the machine was, background
// processes inside lab namespaces and the result file.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../', import.meta.url));

export function options(argv = process.argv.slice(2)) {
  return (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
}

/** Nearest-rank percentile. */
export function pct(xs, p) {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs) => pct(xs, 50);
export const round = (x, digits = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function summary(xs, digits = 1) {
  return { n: xs.length, p50: round(pct(xs, 50), digits), p99: round(pct(xs, 99), digits), max: round(Math.max(...xs), digits) };
}

function cpuTimes() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { idle, total: f.reduce((a, b) => a + b, 0) };
}

/**
 * The five busiest processes over half a second (`top`), as "CPU% command", with the first
 * argument under /work/ when there is one (which project's tests or servers); nothing else of
 * the command lines, which may hold other people's settings.
 */
function topProcesses() {
  const workArg = (pid) => {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return args.find((a) => a.startsWith('/work/')) ?? '';
    } catch {
      return '';
    }
  };
  try {
    const text = execFileSync('top', ['-b', '-n', '2', '-d', '0.5', '-w', '200'], { encoding: 'utf8' });
    const last = text.slice(text.lastIndexOf('PID USER'));
    return last
      .split('\n')
      .slice(1, 6)
      .map((l) => l.trim().split(/\s+/))
      .filter((f) => f.length >= 12)
      .map((f) => `${f[8]}% ${f[11]} ${workArg(f[0])}`.trim());
  } catch {
    return null;
  }
}

/**
 * How busy the machine was: load averages at start and end, and the share of CPU time not idle
 * over the run (all processes, this benchmark's included), plus the other heavy processes seen
 * at the start.
 */
export function machineLoad() {
  const loadavg = () => readFileSync('/proc/loadavg', 'utf8').trim();
  const busiest = topProcesses();
  const before = { loadavg: loadavg(), cpu: cpuTimes(), at: new Date().toISOString() };
  return () => {
    const cpu = cpuTimes();
    return {
      started: before.at,
      finished: new Date().toISOString(),
      loadavg_before: before.loadavg,
      loadavg_after: loadavg(),
      cpu_busy_percent: round(100 * (1 - (cpu.idle - before.cpu.idle) / (cpu.total - before.cpu.total)) || 0),
      busiest_processes_at_start: busiest,
      cpus: readFileSync('/proc/cpuinfo', 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('processor')).length,
    };
  };
}

/** Versions of what the lab benchmarks exercise (kernel, OVS, iptables, iperf3, Node). */
export function environment() {
  const first = (argv) => {
    try {
      return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
        .split('\n')[0]
        .trim();
    } catch {
      return null;
    }
  };
  return {
    kernel: first(['uname', '-r']),
    ovs: first(['ovs-vswitchd', '--version']),
    iptables: first(['iptables', '--version']),
    iperf3: first(['iperf3', '--version']),
    node: process.version,
  };
}

/**
 * Starts argv in the background (the lab's nsenter/ip netns exec chain execs, so the pid is the
 * program's own); `stop(signal)` signals that pid only and resolves with its output.
 */
export function background(argv) {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const listeners = [];
  child.stdout.on('data', (d) => {
    stdout += d;
    for (const l of listeners) l(stdout);
  });
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return {
    pid: child.pid,
    /** Calls `f` with each chunk of stdout as it arrives. */
    onData(f) {
      child.stdout.on('data', (d) => f(String(d)));
    },
    /** Resolves once stdout contains `text`; rejects after timeoutMs or if the process ends first. */
    waitFor(text, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        if (stdout.includes(text)) return resolve();
        const timer = setTimeout(() => reject(new Error(`${argv.join(' ')}: no "${text}" after ${timeoutMs} ms`)), timeoutMs);
        listeners.push((s) => {
          if (!s.includes(text)) return;
          clearTimeout(timer);
          resolve();
        });
        exited.then(() => {
          clearTimeout(timer);
          reject(new Error(`${argv.join(' ')} ended: ${stderr.trim()}`));
        });
      });
    },
    async stop(signal = 'SIGTERM', graceMs = 3000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return { ...r, stdout, stderr };
    },
    async done(timeoutMs = 10_000) {
      const timer = setTimeout(() => child.exitCode === null && child.kill('SIGKILL'), timeoutMs);
      const r = await exited;
      clearTimeout(timer);
      return { ...r, stdout, stderr };
    },
  };
}

/** Per-reply RTTs and the sequence numbers that never got a reply (up to the last one answered). */
export function pingReplies(stdout) {
  const seqs = new Set();
  const rtts = [];
  for (const m of stdout.matchAll(/icmp_seq=(\d+) .*time=([\d.]+) ms/g)) {
    seqs.add(Number(m[1]));
    rtts.push(Number(m[2]));
  }
  const last = Math.max(0, ...seqs);
  const missing = [];
  for (let s = 1; s <= last; s++) if (!seqs.has(s)) missing.push(s);
  const tx = /(\d+) packets transmitted, (\d+) received/.exec(stdout);
  return {
    rtts,
    received: seqs.size,
    lastSeq: last,
    missing,
    transmitted: tx ? Number(tx[1]) : null,
  };
}

export function writeResult(out, result) {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  process.stderr.write(`wrote ${out}\n`);
}

export const stamp = () => new Date().toISOString().slice(0, 16).replace(/[:]/g, '');
