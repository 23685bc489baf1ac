// `quark admin bootstrap` as an operator runs it: it reads the server's own config file for the
// database and the URL it writes, refuses a database that does not exist, and creates the agents'
// user, which then logs in and reads the agents as an agent does.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { QuarkClient } from '../client/client.js';
import { type QuarkServer, cleanEnv, quark, startQuarkServer } from '../testing/quark-process.js';

describe('quark admin bootstrap', () => {
  let server: QuarkServer;
  let config: string;
  before(async () => {
    server = await startQuarkServer();
    // The file a deployment's server reads: a public URL other than the address it listens on.
    config = join(server.dir, 'server.yaml');
    writeFileSync(config, `db: ${server.db}\npublicUrl: ${server.url.replace('127.0.0.1', 'localhost')}\n`);
  });
  after(() => server.stop());

  it("takes the database and the URL from the server's config file, and creates the agents' user", async () => {
    const clouds = join(server.dir, 'clouds.yaml');
    const agentEnv = join(server.dir, 'agent.env');
    const r = await quark(
      ['admin', 'bootstrap', '--config', config, '--clouds-yaml', clouds, '--agent-env', agentEnv],
      cleanEnv({ QUARK_ADMIN_PASSWORD: 'admin-secret', QUARK_AGENT_PASSWORD: 'agent-secret' }),
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`server config ${config}; database ${server.db}`));
    assert.match(r.stderr, /project service, user quark-agent, role admin for quark-agent on service/);
    const entry = parse(readFileSync(clouds, 'utf8')).clouds.quark;
    assert.equal(entry.auth.auth_url, `${server.url.replace('127.0.0.1', 'localhost')}/identity/v3`);
    assert.equal(
      readFileSync(agentEnv, 'utf8'),
      'QUARK_USERNAME=quark-agent\nQUARK_PASSWORD=agent-secret\nQUARK_PROJECT_NAME=service\n',
    );
    assert.equal(statSync(agentEnv).mode & 0o777, 0o600);
    // The agents' user logs in to project service and may read the agents, as the agent does.
    const agent = QuarkClient.withPassword(server.url, { username: 'quark-agent', password: 'agent-secret', project: 'service' });
    assert.deepEqual(await agent.get('/v2.0/agents'), { agents: [] });
  });

  it('refuses a SQLite database that does not exist, unless asked to create it', async () => {
    const typo = join(server.dir, 'quark.bd');
    const refused = await quark(['admin', 'bootstrap', '--db', typo, '--no-clouds-yaml'], cleanEnv({}));
    assert.equal(refused.code, 1);
    assert.equal(
      refused.stderr.trim(),
      `quark: the database ${typo} (db, from flag --db) does not exist: start the server once (it creates it), fix the path, or pass --create-db to create it here`,
    );
    assert.equal(existsSync(typo), false, 'nothing created');
    const created = await quark(['admin', 'bootstrap', '--db', typo, '--create-db', '--no-clouds-yaml'], cleanEnv({}));
    assert.equal(created.code, 0, created.stderr);
    assert.equal(statSync(typo).mode & 0o777, 0o640, 'the new database is not readable by others');
  });

  it('names the setting, its source and the allowed values for a bad value', async () => {
    const r = await quark(['admin', 'bootstrap', '--config', config, '--no-clouds-yaml'], cleanEnv({ QUARK_PORT: 'http' }));
    assert.equal(r.code, 1);
    assert.equal(
      r.stderr.trim(),
      'quark: setting port (from environment variable QUARK_PORT, "http") must be a whole number from 0 to 65535',
    );
  });
});
