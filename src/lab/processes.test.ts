import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { ownedByLab, stopLabPid } from './processes.js';

describe('ownedByLab()', () => {
  it('knows the lab’s process by its directory, and leaves a stranger with a recorded pid alone', async () => {
    const ours = spawn('sleep', ['30'], { stdio: 'ignore' });
    const marked = spawn('sh', ['-c', 'sleep 30; : /run/quark/lab/qtest/compute'], { stdio: 'ignore' });
    try {
      assert.equal(ownedByLab(marked.pid!, '/run/quark/lab/qtest'), true);
      assert.equal(ownedByLab(ours.pid!, '/run/quark/lab/qtest'), false);
      await stopLabPid(ours.pid!, '/run/quark/lab/qtest');
      assert.equal(ours.exitCode === null && ours.signalCode === null, true, 'a stranger is not signalled');
      await stopLabPid(marked.pid!, '/run/quark/lab/qtest');
      await new Promise((r) => marked.once('exit', r));
      assert.equal(marked.signalCode, 'SIGTERM');
    } finally {
      ours.kill();
      marked.kill();
    }
  });
});
