import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type PrivateOvs, startPrivateOvs } from '../../testing/private-ovs.js';
import { run } from '../../testing/run.js';
import { applySwitchChange } from './apply-switch-change.js';
import { OvsdbClient } from './client.js';
import { type InterfaceEvent, vifPortId, watchInterfaces } from './interface-watch.js';
import { VSWITCH_DB } from './switch-state.js';

/** Pulls batches until one holds an event that matches; a hang is caught by the test's timeout. */
async function until(
  events: AsyncIterator<readonly InterfaceEvent[]>,
  match: (e: InterfaceEvent) => boolean,
): Promise<InterfaceEvent> {
  for (;;) {
    const next = await events.next();
    if (next.done) throw new Error('the watch ended');
    const found = next.value.find(match);
    if (found) return found;
  }
}

describe('watchInterfaces() on a private OVS with ovs-vswitchd', { timeout: 60_000 }, () => {
  let ovs: PrivateOvs;
  let client: OvsdbClient;
  let br: string;

  before(async () => {
    ovs = await startPrivateOvs({ vswitchd: true });
    client = await OvsdbClient.connect(ovs.dbSocket);
    br = `${ovs.prefix}-i`;
    await applySwitchChange(client, { bridges: [{ name: br, datapathType: 'netdev', failMode: 'secure' }] });
  });
  after(async () => {
    client?.close();
    await ovs?.stop();
  });

  it('sees a VIF that ovs-vsctl adds, its ofport once ovs-vswitchd plugs it, and its removal', async () => {
    const vif = `${ovs.prefix}-q1`;
    const portId = '3c9b4a1e-2f5d-4c1a-9e0b-123456789abc';
    const watch = await watchInterfaces(client);
    const events = watch[Symbol.asyncIterator]();
    try {
      assert.ok(!watch.initial.some((i) => i.name === vif));
      const adding = ovs.vsctl(
        'add-port',
        br,
        vif,
        '--',
        'set',
        'Interface',
        vif,
        'type=internal',
        `external_ids:iface-id=${portId}`,
        'external_ids:attached-mac=fa:16:3e:00:00:01',
        'external_ids:iface-status=active',
      );
      const added = await until(events, (e) => e.kind === 'added' && vifPortId(e.interface) === portId);
      assert.equal(added.interface.name, vif);
      assert.equal(added.interface.externalIds['attached-mac'], 'fa:16:3e:00:00:01');
      const plugged = await until(events, (e) => e.interface.name === vif && (e.interface.ofport ?? 0) > 0);
      assert.equal(plugged.kind === 'changed' || plugged.kind === 'added', true);
      await adding;
      assert.equal(watch.current.get(plugged.interface.uuid)?.ofport, plugged.interface.ofport);

      await ovs.vsctl('del-port', br, vif);
      const removed = await until(events, (e) => e.kind === 'removed' && e.interface.name === vif);
      assert.equal(vifPortId(removed.interface), portId);
      assert.ok(![...watch.current.values()].some((i) => i.name === vif));
    } finally {
      await watch.cancel();
    }
  });

  it('starts from a snapshot that holds the VIFs already there', async () => {
    const vif = `${ovs.prefix}-q2`;
    await ovs.vsctl('add-port', br, vif, '--', 'set', 'Interface', vif, 'type=internal', 'external_ids:iface-id=port-2');
    const watch = await watchInterfaces(client);
    try {
      const found = watch.initial.find((i) => i.name === vif);
      assert.equal(found && vifPortId(found), 'port-2');
      assert.ok((found?.ofport ?? 0) > 0);
    } finally {
      await watch.cancel();
      await ovs.vsctl('del-port', br, vif);
    }
  });

  it('cancels the monitor on the server when the consumer leaves its loop', async () => {
    const monitors = async () => {
      const shown = await run(['ovs-appctl', '-t', join(ovs.rundir, 'ovsdb-server.ctl'), 'memory/show']);
      return Number(/monitors:(\d+)/.exec(shown)?.[1] ?? 0);
    };
    // Every ovs-vsctl monitors the database too, and ovsdb-server counts an exited one's session
    // until it notices the closed socket: read the count once it has held for three reads.
    const settled = async () => {
      let last = -1;
      for (let same = 0, i = 0; same < 3 && i < 50; i++) {
        const count = await monitors();
        same = count === last ? same + 1 : 1;
        last = count;
        await new Promise((r) => setTimeout(r, 100));
      }
      return last;
    };
    const baseline = await settled();
    const monitor = await client.monitor(VSWITCH_DB, { Interface: { columns: ['name'] } });
    assert.equal(await settled(), baseline + 1);
    const loop = (async () => {
      for await (const _ of monitor) break;
    })();
    await ovs.vsctl('add-port', br, `${ovs.prefix}-q3`, '--', 'set', 'Interface', `${ovs.prefix}-q3`, 'type=internal');
    await loop;
    assert.equal(monitor.ended, true);
    assert.equal(await settled(), baseline);
    await ovs.vsctl('del-port', br, `${ovs.prefix}-q3`);
  });
});
