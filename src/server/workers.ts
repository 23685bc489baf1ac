/**
 * `quark server --workers N`: N processes that share one port (node:cluster: the primary
 * accepts the connections and hands them to the workers in turn), each a whole server of the
 * same store, so the server uses N cores. The workers are servers sharing a database like any
 * others (docs/scale-out.md): on PostgreSQL they hear each other through it; on a SQLite file
 * the primary relays each worker's commits and messages to the others (a PeerTransport over
 * the cluster's IPC), and SQLite's own file lock serialises their writes.
 *
 * The primary runs the migrations once before it starts the workers, restarts a worker that
 * dies (after a pause that doubles while they keep dying, up to 10 s), and on SIGTERM or
 * SIGINT stops them all and exits when they have.
 */
import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { QuarkError } from '../model/errors.js';
import { openDatabase } from '../store/database.js';
import type { PeerTransport, PeerWire } from '../store/store.js';
import type { ServerConfig } from './config.js';

/** How many processes `workers` asks for (0: one per core). */
export function workerCount(config: ServerConfig): number {
  return config.workers === 0 ? availableParallelism() : config.workers;
}

/** Whether this process is a worker of `quark server --workers N`. */
export function isWorker(): boolean {
  return cluster.isWorker;
}

interface Envelope {
  readonly quarkPeer: PeerWire;
}

function isEnvelope(message: unknown): message is Envelope {
  return typeof message === 'object' && message !== null && 'quarkPeer' in message;
}

/** In a worker: the other workers, through the primary. */
export function workerTransport(): PeerTransport {
  return {
    send: (wire) => {
      process.send?.({ quarkPeer: wire } satisfies Envelope);
    },
    onReceive: (handler) => {
      process.on('message', (message: unknown) => {
        if (isEnvelope(message)) handler(message.quarkPeer);
      });
    },
  };
}

/** Runs the primary: migrations, then `count` workers running this same command, until a signal. */
export async function runPrimary(config: ServerConfig, count: number, logger: Logger): Promise<void> {
  if (config.db === ':memory:')
    throw new QuarkError(
      'InvalidInput',
      'workers > 1 need a database file or a postgres:// URL: each worker is a process, and an in-memory database cannot be shared',
    );
  const database = await openDatabase(config.db);
  await database.db.destroy();
  let stopping = false;
  let pause = 500;
  const workers = new Set<Worker>();
  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('message', (message: unknown) => {
      if (!isEnvelope(message)) return;
      for (const other of workers) if (other !== worker && other.isConnected()) other.send(message);
    });
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) {
        if (workers.size === 0) process.exit(0);
        return;
      }
      logger.error({ worker: worker.process.pid, code, signal, restartInMs: pause }, 'server worker died; starting another');
      setTimeout(fork, pause);
      pause = Math.min(pause * 2, 10_000);
    });
    worker.on('listening', () => {
      pause = 500;
    });
  };
  for (let i = 0; i < count; i++) fork();
  logger.info({ workers: count, db: config.db.includes('://') ? 'postgres' : config.db }, 'quark server workers started');
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    if (workers.size === 0) process.exit(0);
    for (const worker of workers) worker.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
