import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readConfigFile, readEnvFile } from './config-file.js';

describe('config files', () => {
  it('reads an environment file as systemd does: comments, blank lines, quoted values', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quark-env-'));
    try {
      const file = join(dir, 'agent.env');
      writeFileSync(
        file,
        "# the agent's login\nQUARK_USERNAME=quark-agent\n\nQUARK_PASSWORD='a b=c'\nexport QUARK_PROJECT_NAME=\"service\"\nnot a line\n",
      );
      assert.deepEqual(readEnvFile(file), {
        QUARK_USERNAME: 'quark-agent',
        QUARK_PASSWORD: 'a b=c',
        QUARK_PROJECT_NAME: 'service',
      });
      assert.deepEqual(readEnvFile(join(dir, 'missing')), {});
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('says which file is not YAML and that a config file is a mapping', () => {
    const dir = mkdtempSync(join(tmpdir(), 'quark-yaml-'));
    try {
      writeFileSync(join(dir, 'bad.yaml'), 'roles: [l2\n');
      assert.throws(() => readConfigFile(join(dir, 'bad.yaml')), /^QuarkError: config file .*bad\.yaml is not valid YAML/);
      writeFileSync(join(dir, 'list.yaml'), '- l2\n');
      assert.throws(() => readConfigFile(join(dir, 'list.yaml')), /must be a mapping of settings/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });
});
