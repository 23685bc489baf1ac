/**
 * `quark metadata-api`: a metadata backend for clouds without Nova, answering the requests the
 * metadata agents forward exactly as Nova's metadata API would receive them. Each request must
 * carry X-Instance-ID, X-Tenant-ID and X-Instance-ID-Signature (HMAC-SHA256 of the instance id
 * with the shared secret), as Nova checks them (nova/api/metadata/handler.py): no instance id
 * 400, a wrong signature 403, an instance of another project 404. The instance's ports,
 * networks, subnets and floating IPs come from the Quark API (as an admin service user); what
 * only Nova would know comes from the catalogue file (catalogue.ts).
 *
 *   curl -H 'X-Instance-ID: …' -H 'X-Tenant-ID: …' -H 'X-Instance-ID-Signature: …' \
 *        http://198.18.0.1:8775/openstack/latest/meta_data.json
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { Logger } from 'pino';
import type { QuarkClient } from '../client/client.js';
import { INSTANCE_ID_HEADER, SIGNATURE_HEADER, TENANT_ID_HEADER, instanceSignatureValid } from '../model/metadata.js';
import type { FloatingIp, Network, Port, Subnet } from '../model/resources.js';
import { readCatalogue } from './catalogue.js';
import {
  EC2_VERSIONS,
  type InstanceView,
  OPENSTACK_VERSIONS,
  ec2Lookup,
  ec2MetaData,
  metaData,
  networkData,
} from './documents.js';

export interface MetadataApiOptions {
  readonly sharedSecret: string;
  /** The catalogue file (catalogue.ts); '' for none. */
  readonly instances: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

type Answer = { readonly type: string; readonly body: string };
const text = (body: string): Answer => ({ type: 'text/plain; charset=UTF-8', body });
const json = (value: unknown): Answer => ({ type: 'application/json', body: JSON.stringify(value) });

function header(req: IncomingMessage, name: string): string {
  const v = req.headers[name.toLowerCase()];
  return typeof v === 'string' ? v : '';
}

export class MetadataApi {
  private server: Server | null = null;

  constructor(
    private readonly client: QuarkClient,
    private readonly options: MetadataApiOptions,
    private readonly log: Logger,
  ) {}

  /** The instance behind a request, checked as Nova checks it. */
  private async instance(req: IncomingMessage): Promise<InstanceView> {
    const id = header(req, INSTANCE_ID_HEADER);
    const tenant = header(req, TENANT_ID_HEADER);
    if (!id) throw new HttpError(400, 'X-Instance-ID header is missing from request.');
    if (!tenant) throw new HttpError(400, 'X-Tenant-ID header is missing from request.');
    if (!instanceSignatureValid(this.options.sharedSecret, id, header(req, SIGNATURE_HEADER))) {
      this.log.warn({ instance: id, from: header(req, 'X-Forwarded-For') }, 'X-Instance-ID-Signature does not match');
      throw new HttpError(403, 'Invalid proxy request signature.');
    }
    const q = encodeURIComponent;
    const { ports } = await this.client.get<{ ports: Port[] }>(`/v2.0/ports?device_id=${q(id)}`);
    if (ports.length === 0) throw new HttpError(404, `Instance ${id} not found.`);
    if (ports.some((p) => p.project_id !== tenant)) throw new HttpError(404, `Tenant ${tenant} does not match the instance.`);
    ports.sort((a, b) => (a.id < b.id ? -1 : 1));
    const networks = new Map<string, Network>();
    const subnets = new Map<string, Subnet>();
    for (const netId of new Set(ports.map((p) => p.network_id))) {
      networks.set(netId, (await this.client.get<{ network: Network }>(`/v2.0/networks/${q(netId)}`)).network);
      for (const s of (await this.client.get<{ subnets: Subnet[] }>(`/v2.0/subnets?network_id=${q(netId)}`)).subnets)
        subnets.set(s.id, s);
    }
    const floatingIps: FloatingIp[] = [];
    for (const p of ports)
      floatingIps.push(
        ...(await this.client.get<{ floatingips: FloatingIp[] }>(`/v2.0/floatingips?port_id=${q(p.id)}`)).floatingips,
      );
    const record = readCatalogue(this.options.instances).instances[id] ?? {};
    return { id, projectId: tenant, ports, networks, subnets, floatingIps, record };
  }

  /** The answer to one path; throws HttpError(404) for paths it does not have. */
  async answer(req: IncomingMessage): Promise<Answer> {
    const path = new URL(req.url ?? '/', 'http://metadata').pathname;
    const parts = path.split('/').filter((p) => p !== '');
    if (parts.length === 0) return text(EC2_VERSIONS.join('\n'));
    const v = await this.instance(req);
    if (parts[0] === 'openstack') {
      if (parts.length === 1) return text(OPENSTACK_VERSIONS.join('\n'));
      if (!OPENSTACK_VERSIONS.includes(parts[1]!)) throw new HttpError(404, 'Not Found');
      const file = parts.slice(2).join('/');
      if (file === '')
        return text(
          [
            'meta_data.json',
            'network_data.json',
            'vendor_data.json',
            'vendor_data2.json',
            ...(v.record.user_data ? ['user_data'] : []),
          ].join('\n'),
        );
      if (file === 'meta_data.json') return json(metaData(v));
      if (file === 'network_data.json') return json(networkData(v));
      if (file === 'vendor_data.json' || file === 'vendor_data2.json') return json({});
      if (file === 'user_data' && v.record.user_data) return { type: 'application/octet-stream', body: v.record.user_data };
      throw new HttpError(404, 'Not Found');
    }
    if (!EC2_VERSIONS.includes(parts[0]!)) throw new HttpError(404, 'Not Found');
    if (parts.length === 1) return text(['meta-data/', ...(v.record.user_data ? ['user-data'] : [])].join('\n'));
    if (parts[1] === 'user-data' && parts.length === 2 && v.record.user_data)
      return { type: 'application/octet-stream', body: v.record.user_data };
    if (parts[1] === 'meta-data') {
      const found = ec2Lookup(ec2MetaData(v), parts.slice(2));
      if (found !== null) return text(found);
    }
    throw new HttpError(404, 'Not Found');
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'Method Not Allowed');
      const a = await this.answer(req);
      res.writeHead(200, { 'content-type': a.type });
      res.end(req.method === 'HEAD' ? undefined : a.body);
    } catch (e) {
      const status = e instanceof HttpError ? e.status : 500;
      if (status === 500) this.log.error({ err: String(e), url: req.url }, 'metadata request failed');
      res.writeHead(status, { 'content-type': 'text/plain; charset=UTF-8' });
      res.end(`${status === 500 ? 'An unknown error has occurred.' : (e as Error).message}\n`);
    }
  }

  listen(host: string, port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
  }

  /** The port it listens on (after listen; for tests that listen on port 0). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  close(): Promise<void> {
    const server = this.server;
    return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }
}
