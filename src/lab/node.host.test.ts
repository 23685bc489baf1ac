import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Cleanup, leftovers, uniquePrefix } from '../testing/host.js';
import { nodeRun, startNode, startOvs, stopNode } from './node.js';
import { alive } from './processes.js';

describe('lab nodes', () => {
  const prefix = uniquePrefix();
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const cleanup = new Cleanup();
  cleanup.add(() => rmSync(dir, { recursive: true, force: true }));
  after(async () => {
    await cleanup.run();
    assert.deepEqual(leftovers(prefix), []);
  });

  it('startNode() isolates namespaces and OVS per node, and stopNode() leaves nothing', async () => {
    const a = await startNode(prefix, 'a', join(dir, 'a'));
    cleanup.add(() => stopNode(a));
    const b = await startNode(prefix, 'b', join(dir, 'b'));
    cleanup.add(() => stopNode(b));
    await Promise.all([startOvs(a), startOvs(b)]);
    await nodeRun(a, ['ovs-vsctl', 'add-br', 'br-int', '--', 'set', 'bridge', 'br-int', 'datapath_type=netdev']);
    await nodeRun(a, ['ip', 'netns', 'add', 'qdhcp-x']);
    const inB = await nodeRun(b, ['ovs-vsctl', 'list-br']);
    assert.equal(inB.stdout.trim(), '', "node b does not see node a's bridges");
    const nsB = await nodeRun(b, ['ip', 'netns', 'list']);
    assert.equal(nsB.stdout.trim(), '', "node b does not see node a's namespaces");
    const host = await nodeRun(a, ['hostname']);
    assert.equal(host.stdout.trim(), 'a');
    await stopNode(a);
    assert.equal(alive(a.keeperPid), false);
  });
});
