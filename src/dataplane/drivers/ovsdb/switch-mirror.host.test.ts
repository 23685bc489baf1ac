import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type PrivateOvs, startPrivateOvs } from '../../testing/private-ovs.js';
import { applySwitchChange } from './apply-switch-change.js';
import { OvsdbClient } from './client.js';
import { SwitchMirror } from './switch-mirror.js';
import { readSwitch } from './switch-state.js';

/** The state without uuids, which differ between nothing here but make diffs unreadable. */
const shape = (s: Awaited<ReturnType<typeof readSwitch>>) =>
  JSON.parse(JSON.stringify(s, (k, v) => (k === 'uuid' ? undefined : v)));

describe('SwitchMirror on a private OVS with ovs-vswitchd', { timeout: 60_000 }, () => {
  let ovs: PrivateOvs;
  let client: OvsdbClient;
  let mirror: SwitchMirror;
  let p: string;

  before(async () => {
    ovs = await startPrivateOvs({ vswitchd: true });
    client = await OvsdbClient.connect(ovs.dbSocket);
    mirror = await SwitchMirror.start(client);
    p = ovs.prefix;
  });
  after(async () => {
    client?.close();
    await ovs?.stop();
  });

  it('has seen its own client’s change as soon as applySwitchChange returns, and agrees with readSwitch', async () => {
    const change = {
      bridges: [
        { name: `${p}-i`, datapathType: 'netdev' as const, failMode: 'secure' as const, protocols: ['OpenFlow13' as const] },
      ],
      ports: [
        {
          bridge: `${p}-i`,
          name: `${p}-v1`,
          tag: 4,
          interfaces: [{ type: 'internal' as const, externalIds: { 'iface-id': 'port-1' } }],
        },
      ],
    };
    const first = await applySwitchChange(client, change, { mirror, waitForVswitchd: true });
    assert.equal(first.changed, true);
    assert.ok(mirror.state.bridges.some((b) => b.name === `${p}-i` && b.ports.some((x) => x.name === `${p}-v1` && x.tag === 4)));
    assert.equal((await applySwitchChange(client, change, { mirror })).changed, false, 'planned from a current mirror');
    assert.deepEqual(shape(mirror.state), shape(await readSwitch(client)));
  });

  it('follows changes other writers make', async () => {
    const seen = new Promise<void>((resolve) =>
      mirror.onChange(() => {
        if (mirror.state.bridges.some((b) => b.ports.some((x) => x.name === `${p}-v2`))) resolve();
      }),
    );
    await ovs.vsctl('add-port', `${p}-i`, `${p}-v2`, '--', 'set', 'Interface', `${p}-v2`, 'type=internal');
    await seen;
    assert.deepEqual(shape(mirror.state), shape(await readSwitch(client)));
  });

  it('lets writers that planned from their own mirrors race for the same new bridge, and loses no port', async () => {
    const br = `${p}-r`;
    const writers = await Promise.all([0, 1, 2, 3].map(() => OvsdbClient.connect(ovs.dbSocket)));
    try {
      const mirrors = await Promise.all(writers.map((w) => SwitchMirror.start(w)));
      const results = await Promise.all(
        writers.map((w, i) =>
          applySwitchChange(
            w,
            {
              bridges: [{ name: br, datapathType: 'netdev' }],
              ports: [0, 1, 2].map((j) => ({ bridge: br, name: `${p}-r${i}${j}` })),
            },
            { mirror: mirrors[i] },
          ),
        ),
      );
      assert.ok(
        results.some((r) => r.attempts > 1),
        'at least one writer lost the race and re-planned',
      );
    } finally {
      for (const w of writers) w.close();
    }
    assert.equal((await ovs.vsctl('list-ports', br)).trim().split('\n').length, 12);
    await applySwitchChange(client, { removeBridges: [br] }, { mirror });
  });

  it('ends when the connection is lost', async () => {
    const other = await OvsdbClient.connect(ovs.dbSocket);
    const m = await SwitchMirror.start(other);
    other.close();
    await other.closed;
    assert.equal(m.ended, true);
  });
});
