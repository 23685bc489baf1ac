import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { type CloudEntry, osEnvironment, storedPassword, writeCloudEntry } from './clouds-yaml.js';

const entry: CloudEntry = {
  serverUrl: 'http://127.0.0.1:9696',
  authUrl: 'http://127.0.0.1:9696/identity/v3',
  username: 'admin',
  password: "it's secret",
  projectName: 'admin',
  domainName: 'Default',
  region: 'RegionOne',
};

describe('clouds.yaml', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'quark-clouds-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes an entry the openstack CLI reads, readable by its owner only', () => {
    const path = join(dir, 'new', 'clouds.yaml');
    writeCloudEntry(path, 'quark', entry);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const cloud = parse(readFileSync(path, 'utf8')).clouds.quark;
    assert.deepEqual(cloud.auth, {
      auth_url: 'http://127.0.0.1:9696/identity/v3',
      username: 'admin',
      password: "it's secret",
      project_name: 'admin',
      user_domain_name: 'Default',
      project_domain_name: 'Default',
    });
    assert.equal(cloud.region_name, 'RegionOne');
    assert.equal(cloud.identity_api_version, 3);
    assert.equal(cloud.compute_endpoint_override, 'http://127.0.0.1:9696/no-compute');
    assert.equal(storedPassword(path, 'quark'), "it's secret");
    assert.equal(storedPassword(path, 'other'), null);
  });

  it('keeps other clouds and comments when it replaces its entry', () => {
    const path = join(dir, 'clouds.yaml');
    writeFileSync(
      path,
      '# mine\nclouds:\n  devstack:\n    auth:\n      auth_url: http://dev/identity\n  quark:\n    region_name: Old\n',
    );
    writeCloudEntry(path, 'quark', entry);
    const text = readFileSync(path, 'utf8');
    assert.match(text, /^# mine/);
    const clouds = parse(text).clouds;
    assert.equal(clouds.devstack.auth.auth_url, 'http://dev/identity');
    assert.equal(clouds.quark.region_name, 'RegionOne');
  });

  it('prints OS_* exports a shell can eval, with OS_CLOUD when an entry was written', () => {
    const text = osEnvironment(entry, { name: 'quark', path: '/tmp/x/clouds.yaml' });
    assert.match(text, /^export OS_CLOUD=quark\nexport OS_CLIENT_CONFIG_FILE=\/tmp\/x\/clouds.yaml\n/);
    assert.match(text, /\nexport OS_AUTH_URL=http:\/\/127.0.0.1:9696\/identity\/v3\n/);
    assert.match(text, /\nexport OS_PASSWORD='it'\\''s secret'\n/);
    assert.doesNotMatch(osEnvironment(entry, null), /OS_CLOUD/);
  });
});
