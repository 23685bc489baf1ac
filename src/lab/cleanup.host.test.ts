import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRoot, uniquePrefix } from '../testing/host.js';
import { forceDown } from './cleanup.js';

describe('forceDown()', { skip: !isRoot() && 'needs root' }, () => {
  it('without a state file, stops the process that names the lab’s directory (its server) and removes the directory', async () => {
    const prefix = uniquePrefix();
    const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const dir = join(root, prefix);
    mkdirSync(dir);
    // Stands for the controller's `quark server --db <dir>/quark.db`, in the root namespace.
    const server = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', `${dir}/quark.db`], { stdio: 'ignore' });
    // Only mentions the directory (as `grep`, `tail` or an editor might): left alone.
    const stranger = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', `see ${dir}/server.log`], { stdio: 'ignore' });
    try {
      const exited = new Promise((r) => server.once('exit', r));
      const removed = await forceDown(prefix, dir);
      await exited;
      assert.equal(server.signalCode, 'SIGTERM');
      assert.ok(removed.includes(`process ${server.pid}`), removed.join(', '));
      assert.ok(removed.includes(`directory ${dir}`));
      assert.equal(existsSync(dir), false);
      assert.equal(stranger.exitCode === null && stranger.signalCode === null, true, 'a stranger is left alone');
    } finally {
      server.kill();
      stranger.kill();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
