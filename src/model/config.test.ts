import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { configError, describeConfig, loadConfig, originOf } from './config.js';
import { allowedValues, closestKey, shownValue } from './config-words.js';
import { QuarkError } from './errors.js';

const Schema = Type.Object(
  {
    port: Type.Integer({ default: 9696, minimum: 0, maximum: 65535 }),
    roles: Type.Array(Type.Union([Type.Literal('l2'), Type.Literal('dhcp')]), { default: ['l2'] }),
    tunnelIp: Type.String({ default: '' }),
    ranges: Type.Array(Type.String({ pattern: '^\\d+:\\d+$', expected: 'min:max, e.g. 1:10000' }), { default: [] }),
    db: Type.String({ default: '' }),
    password: Type.String({ default: '' }),
  },
  { additionalProperties: false },
);

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof QuarkError);
    assert.equal(e.code, 'InvalidConfig');
    return e.message;
  }
  assert.fail('no error');
}

describe('loadConfig', () => {
  it('takes defaults < file < QUARK_* < flags and remembers where each setting came from', () => {
    const config = loadConfig(Schema, {
      file: { port: 1, roles: ['l2', 'dhcp'] },
      fileName: '/etc/quark/agent.yaml',
      env: { QUARK_PORT: '2', QUARK_TUNNEL_IP: '192.0.2.1' },
      flags: { port: '3', db: undefined },
    });
    assert.equal(config.port, 3);
    assert.deepEqual(config.roles, ['l2', 'dhcp']);
    assert.equal(originOf(config, 'port'), 'flag --port');
    assert.equal(originOf(config, 'roles'), 'config file /etc/quark/agent.yaml');
    assert.equal(originOf(config, 'tunnelIp'), 'environment variable QUARK_TUNNEL_IP');
    assert.equal(originOf(config, 'db'), 'the default');
    assert.ok(Object.isFrozen(config));
  });

  it('reads a list from a variable or a flag as comma-separated values, and an empty variable as the empty list', () => {
    const config = loadConfig(Schema, { env: { QUARK_ROLES: 'l2, dhcp', QUARK_RANGES: '' } });
    assert.deepEqual(config.roles, ['l2', 'dhcp']);
    assert.deepEqual(config.ranges, []);
    assert.deepEqual(loadConfig(Schema, { flags: { roles: 'dhcp,l2' } }).roles, ['dhcp', 'l2']);
  });

  it('names the setting, its source and what is allowed, for every wrong setting at once', () => {
    const text = message(() =>
      loadConfig(Schema, {
        env: { QUARK_ROLES: 'l2,dhcpp' },
        flags: { port: '70000' },
        file: { ranges: ['1-5'] },
        fileName: 'a.yaml',
      }),
    );
    assert.match(text, /^3 settings are wrong:/);
    assert.match(text, /setting port \(from flag --port, "70000"\) must be a whole number from 0 to 65535/);
    assert.match(
      text,
      /setting roles \(from environment variable QUARK_ROLES, \["l2","dhcpp"\]\) must be a list, each item one of l2, dhcp \(comma-separated\)/,
    );
    assert.match(text, /setting ranges \(from config file a.yaml, \["1-5"\]\) must be a list, each item min:max, e.g. 1:10000$/m);
  });

  it('suggests the known setting for a misspelt one in the file', () => {
    assert.equal(
      message(() => loadConfig(Schema, { file: { tunelIp: 'x' }, fileName: '/etc/quark/agent.yaml' })),
      "unknown setting 'tunelIp' in the config file /etc/quark/agent.yaml (did you mean 'tunnelIp'?); the settings are listed in docs/config.md",
    );
    assert.doesNotMatch(
      message(() => loadConfig(Schema, { file: { colour: 1 } })),
      /did you mean/,
    );
  });

  it('never shows a password, a token or the password of a database URL', () => {
    assert.equal(shownValue('password', 'hunter2'), 'a value that is not shown');
    assert.equal(shownValue('db', 'postgres://quark:s3cret@db/quark'), '"postgres://quark:***@db/quark"');
    assert.equal(shownValue('name', 'x'.repeat(100)).length, 62);
    const config = loadConfig(Schema, { flags: { password: 'hunter2' } });
    assert.doesNotMatch(configError(config, 'password', config.password, 'is wrong').message, /hunter2/);
  });

  it('says in words what a schema allows, for docs/config.md', () => {
    assert.equal(allowedValues(Schema.properties.port), 'a whole number from 0 to 65535');
    assert.equal(allowedValues(Schema.properties.roles), 'a list, each item one of l2, dhcp');
    assert.equal(describeConfig(Schema)[1]!.env, 'QUARK_ROLES');
    assert.equal(closestKey('tunnel_ip', ['tunnelIp', 'port']), 'tunnelIp');
  });
});
