/**
 * The metadata agent of a host, as Neutron's (neutron/agent/metadata/agent.py) and inside the
 * `quark agent` process: an HTTP server on a unix socket (`<stateDir>/metadata_proxy`, root
 * only) that the namespace proxies (haproxy) hand instances' requests to. For each request it
 * finds the instance by the X-Forwarded-For address and the X-Neutron-Router-ID or
 * X-Neutron-Network-ID header (exactly one), and forwards the request to the metadata backend
 * (Nova's metadata API, `quark metadata-api`, or anything that speaks it) with X-Instance-ID,
 * X-Tenant-ID, X-Instance-ID-Signature and X-Forwarded-For. Answers as Neutron's: the backend's
 * 200 with its content type and body; 403, 500, 400, 404, 409, 502, 503 and 504 as they came;
 * 404 when no single port holds the address; 503 when the backend cannot be reached.
 *
 *   curl --unix-socket /var/lib/quark/agent/metadata_proxy \
 *        -H 'X-Forwarded-For: 10.0.0.3' -H 'X-Neutron-Router-ID: <router>' http://x/openstack/latest/meta_data.json
 */
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { ReplicaView } from '../../dataplane/compile/inputs.js';
import {
  INSTANCE_ID_HEADER,
  NETWORK_ID_HEADER,
  ROUTER_ID_HEADER,
  SIGNATURE_HEADER,
  TENANT_ID_HEADER,
  signInstanceId,
} from '../../model/metadata.js';
import { type Via, findRequester } from './lookup.js';

export interface MetadataAgentOptions {
  /** The unix socket the proxies connect to. */
  readonly socket: string;
  /** Where the backend is: `http://198.18.0.1:8775` (Neutron: nova_metadata_protocol/host/port). */
  readonly backendUrl: string;
  /** The secret shared with the backend (`metadata_proxy_shared_secret`). */
  readonly sharedSecret: string;
  /** How long to wait for the backend (Neutron: 60 s). */
  readonly timeoutMs?: number;
}

const PASSED_ON = new Set([200, 400, 403, 404, 409, 500, 502, 503, 504]);

function header(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name.toLowerCase()];
  return typeof v === 'string' && v !== '' ? v : null;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function reply(res: ServerResponse, status: number, text: string, type = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, { 'content-type': type });
  res.end(text);
}

export class MetadataAgent {
  private server: Server | null = null;

  constructor(
    private readonly replica: ReplicaView,
    private readonly options: MetadataAgentOptions,
    private readonly log: Logger,
  ) {}

  /** The request's router or network, and who sent it; null when the proxy's headers are not usable. */
  private identify(req: IncomingMessage): { via: Via; remote: string } | null {
    const remote = header(req, 'X-Forwarded-For');
    const routerId = header(req, ROUTER_ID_HEADER);
    const networkId = header(req, NETWORK_ID_HEADER);
    // The proxy sets exactly one of the two and one address; anything else was not made by it.
    if (!remote || remote.includes(',') || (routerId === null) === (networkId === null)) return null;
    return { via: routerId ? { routerId } : { networkId: networkId! }, remote: remote.trim() };
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const who = this.identify(req);
    const requester = who ? findRequester(this.replica, who.remote, who.via) : null;
    if (!who || !requester) {
      this.log.info({ remote: who?.remote, via: who?.via }, 'metadata request from no single port: 404');
      reply(res, 404, '404 Not Found\n');
      return;
    }
    const url = new URL(req.url ?? '/', this.options.backendUrl);
    const payload = req.method === 'GET' || req.method === 'HEAD' ? undefined : await body(req);
    let answer: Response;
    try {
      answer = await fetch(url, {
        method: req.method ?? 'GET',
        headers: {
          'X-Forwarded-For': who.remote,
          [INSTANCE_ID_HEADER]: requester.instanceId,
          [TENANT_ID_HEADER]: requester.projectId,
          [SIGNATURE_HEADER]: signInstanceId(this.options.sharedSecret, requester.instanceId),
        },
        ...(payload ? { body: payload } : {}),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 60_000),
      });
    } catch (e) {
      this.log.warn({ err: String(e), backend: this.options.backendUrl }, 'metadata backend unreachable');
      reply(res, 503, 'The remote metadata server is temporarily unavailable. Please try again later.\n');
      return;
    }
    if (answer.status === 403) this.log.warn('the metadata backend answered Forbidden: do the shared secrets match?');
    const status = PASSED_ON.has(answer.status) ? answer.status : 500;
    res.writeHead(status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  }

  /** Listens on the socket (made anew, mode 0600). */
  start(): Promise<void> {
    const path = this.options.socket;
    mkdirSync(dirname(path), { recursive: true });
    rmSync(path, { force: true });
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log.error({ err: String(e) }, 'metadata request failed');
        if (!res.headersSent) reply(res, 500, 'An unknown error has occurred. Please try your request again.\n');
        else res.end();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        chmodSync(path, 0o600);
        resolve();
      });
    });
  }

  stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
