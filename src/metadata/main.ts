/** Runs `quark metadata-api` from its configuration; stops on SIGTERM/SIGINT. */
import pino from 'pino';
import { QuarkClient } from '../client/client.js';
import type { MetadataApiConfig } from './config.js';
import { MetadataApi } from './server.js';

export async function startMetadataApi(config: MetadataApiConfig): Promise<MetadataApi> {
  const log = pino({ name: 'quark-metadata-api', level: config.logLevel }, pino.destination({ fd: 2, sync: false }));
  const credentials = config.username
    ? {
        password: {
          authUrl: config.authUrl || `${config.server.replace(/\/+$/, '')}/identity/v3`,
          username: config.username,
          password: config.password,
          projectName: config.projectName,
        },
      }
    : { project: 'service', roles: ['admin'] };
  const client = new QuarkClient({ url: config.server, credentials });
  if (!config.metadataProxySharedSecret)
    log.warn('no metadataProxySharedSecret: only requests signed with the empty secret pass');
  const api = new MetadataApi(client, { sharedSecret: config.metadataProxySharedSecret, instances: config.instances }, log);
  await api.listen(config.host, config.port);
  log.info({ host: config.host, port: config.port }, 'metadata API listening');
  const stop = () => void api.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return api;
}
