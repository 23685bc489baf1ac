/** Runs `quark agent`: builds the host agent from its configuration and stops it on SIGTERM/SIGINT. */
import pino from 'pino';
import { type Credentials, QuarkClient } from '../client/client.js';
import { formatLogLine, wantsText } from '../model/log-format.js';
import { HostAgent } from './agent.js';
import type { AgentConfig } from './config.js';
import { QueryResponder } from './queries.js';
import { MetadataAgent } from './metadata/metadata-agent.js';
import { hostSettings, metadataProxySocket, runsMetadataAgent } from './settings.js';
import { serveStatus, statusSocket } from './status-server.js';

/** Password login when configured, else a fixed token, else noauth headers (development servers). */
export function agentCredentials(config: AgentConfig): Credentials {
  if (config.username) {
    return {
      password: {
        // Empty: each server's own identity API, so a login follows the client to the next server.
        authUrl: config.authUrl,
        username: config.username,
        password: config.password,
        projectName: config.projectName,
      },
    };
  }
  return config.token ? { token: config.token } : { project: config.project, roles: ['admin'] };
}

export async function startAgent(config: AgentConfig): Promise<HostAgent> {
  const settings = hostSettings(config);
  const text = wantsText(config.logFormat, process.stderr.isTTY === true);
  const log = pino(
    { name: 'quark-agent', level: config.logLevel, base: { host: settings.host } },
    text ? { write: (line: string) => process.stderr.write(formatLogLine(line)) } : pino.destination({ fd: 2, sync: false }),
  );
  const client = new QuarkClient({ url: config.server, credentials: agentCredentials(config) });
  const agent = new HostAgent(config, settings, client, log);
  const queries = new QueryResponder(agent, client, log);
  agent.onQuery = (id, query) => queries.handle(id, query);
  if (runsMetadataAgent(config)) {
    // Before the first pass starts the proxies that hand it requests.
    const metadata = new MetadataAgent(
      agent.replica,
      {
        socket: metadataProxySocket(config.stateDir),
        backendUrl: config.novaMetadataUrl,
        sharedSecret: config.metadataProxySharedSecret,
      },
      log.child({ part: 'metadata' }),
    );
    await metadata.start();
  }
  await agent.start();
  serveStatus(agent, statusSocket(config.stateDir));
  return agent;
}

export function stopOnSignals(agent: HostAgent): void {
  const stop = () => {
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // SIGHUP: re-read everything from the host and converge (a full resync).
  process.on('SIGHUP', () => agent.schedule(true));
}
