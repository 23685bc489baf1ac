import assert from 'node:assert/strict';
import { existsSync, readlinkSync, statSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isRunning, startPrivateOvs } from './private-ovs.js';

describe('startPrivateOvs()', () => {
  it('runs ovsdb-server and ovs-vswitchd in a private directory and namespace, and stop() removes all of it', async () => {
    const ovs = await startPrivateOvs({ vswitchd: true });
    try {
      assert.match(ovs.prefix, /^qkt[0-9a-f]{6}$/);
      assert.ok(ovs.dir.includes(ovs.prefix));
      assert.ok(isRunning(ovs.pids.ovsdbServer));
      assert.ok(ovs.pids.vswitchd && isRunning(ovs.pids.vswitchd));
      assert.equal(ovs.netns, ovs.prefix);
      const nsInode = statSync(`/run/netns/${ovs.prefix}`).ino;
      assert.equal(readlinkSync(`/proc/${ovs.pids.vswitchd}/ns/net`), `net:[${nsInode}]`);
      assert.match(await ovs.vsctl('show'), /ovs_version|^[0-9a-f-]{36}/m);
    } finally {
      await ovs.stop();
    }
    assert.equal(isRunning(ovs.pids.ovsdbServer), false);
    assert.equal(isRunning(ovs.pids.vswitchd ?? 0), false);
    assert.equal(existsSync(ovs.dir), false);
    assert.equal(existsSync(`/run/netns/${ovs.prefix}`), false);
    await ovs.stop();
  });

  it('without ovs-vswitchd makes no namespace', async () => {
    const ovs = await startPrivateOvs();
    try {
      assert.equal(ovs.netns, undefined);
      assert.equal(ovs.pids.vswitchd, undefined);
      assert.equal(existsSync(`/run/netns/${ovs.prefix}`), false);
    } finally {
      await ovs.stop();
    }
    assert.equal(existsSync(ovs.dir), false);
  });
});
