import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { QuarkError } from '../../../model/errors.js';
import { type PrivateOvs, startPrivateOvs } from '../../testing/private-ovs.js';
import { run } from '../../testing/run.js';
import { OvsdbClient } from './client.js';
import { ovsdbErrorOf } from './errors.js';
import { byUuid, insert, mutate, select, wait } from './operations.js';
import { VSWITCH_DB } from './switch-state.js';
import { map, stringMapOf, uuidOf } from './values.js';

describe('OvsdbClient against a private ovsdb-server', () => {
  let ovs: PrivateOvs;
  let client: OvsdbClient;
  let root: string;

  before(async () => {
    ovs = await startPrivateOvs();
    client = await OvsdbClient.connect(ovs.dbSocket);
    const [r] = await client.transact(VSWITCH_DB, [select('Open_vSwitch', [], ['_uuid'])] as const);
    root = uuidOf(r.rows[0]?._uuid);
  });
  after(async () => {
    client?.close();
    await ovs?.stop();
  });

  it('connect() fails with HostCommandFailed when nothing listens', async () => {
    await assert.rejects(
      OvsdbClient.connect(join(ovs.rundir, 'nothing.sock')),
      (e: unknown) => e instanceof QuarkError && e.code === 'HostCommandFailed',
    );
  });

  it('listDbs() and getSchema() read what ovsdb-client list-dbs / get-schema show', async () => {
    assert.ok((await client.listDbs()).includes('Open_vSwitch'));
    const schema = await client.getSchema(VSWITCH_DB);
    assert.equal(schema.name, 'Open_vSwitch');
    assert.deepEqual(schema.tables.Bridge?.indexes, [['name']]);
    const version = await run(['ovsdb-client', 'get-schema-version', `unix:${ovs.dbSocket}`, VSWITCH_DB]);
    assert.equal(version.trim(), schema.version);
  });

  it('transact() returns one typed result per operation', async () => {
    const [count, selected] = await client.transact(VSWITCH_DB, [
      mutate('Open_vSwitch', [byUuid(['uuid', root])], [['external_ids', 'insert', map({ 'quark-test': 'one' })]]),
      select('Open_vSwitch', [], ['external_ids']),
    ] as const);
    assert.equal(count.count, 1);
    assert.equal(stringMapOf(selected.rows[0]?.external_ids)['quark-test'], 'one');
    assert.match(await ovs.vsctl('get', 'Open_vSwitch', '.', 'external_ids:quark-test'), /one/);
  });

  it('transact() surfaces OVSDB errors with the failing operation, the method and the params', async () => {
    const ops = [select('Open_vSwitch', []), insert('Bridge', { name: 7 })] as const;
    const error = await client.transact(VSWITCH_DB, ops).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof QuarkError);
    assert.equal(error.code, 'HostCommandFailed');
    assert.match(error.detail, /^transact \["Open_vSwitch",\{"op":"select"/);
    assert.equal(ovsdbErrorOf(error)?.index, 1);
    assert.equal(ovsdbErrorOf(error)?.error, 'syntax error');
    await assert.rejects(client.transact('No_Such_Db', []), (e: unknown) => ovsdbErrorOf(e)?.error === 'unknown database');
  });

  it('transact() keeps answers apart when many run at once, on one session and on several', async () => {
    const others = await Promise.all([1, 2, 3].map(() => OvsdbClient.connect(ovs.dbSocket)));
    try {
      const clients = [client, ...others];
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          clients[i % clients.length]!.transact(VSWITCH_DB, [
            mutate('Open_vSwitch', [], [['other_config', 'insert', map({ [`k${i}`]: `v${i}` })]]),
            select('Open_vSwitch', [], ['other_config']),
          ] as const),
        ),
      );
      for (const [i, [, sel]] of results.entries()) assert.equal(stringMapOf(sel.rows[0]?.other_config)[`k${i}`], `v${i}`);
      const [all] = await client.transact(VSWITCH_DB, [select('Open_vSwitch', [], ['other_config'])] as const);
      assert.equal(Object.keys(stringMapOf(all.rows[0]?.other_config)).length, 100);
    } finally {
      for (const c of others) c.close();
    }
  });

  it('transact() with a signal cancels a transaction blocked in a wait', async () => {
    const controller = new AbortController();
    const blocked = client.transact(VSWITCH_DB, [wait('Open_vSwitch', [], ['next_cfg'], '==', [{ next_cfg: 424242 }], 600_000)], {
      signal: controller.signal,
    });
    await sleep(50);
    controller.abort();
    await assert.rejects(blocked, (e: unknown) => ovsdbErrorOf(e)?.error === 'canceled');
    // The server dropped the transaction: the session goes on, and the wait's trigger is gone.
    await client.echo();
    const [waits] = await client.transact(VSWITCH_DB, [select('Open_vSwitch', [], ['next_cfg'])] as const);
    assert.equal(waits.rows.length, 1);
  });

  it('answers the echo requests ovsdb-server sends as its inactivity probe', async () => {
    const probed = join(ovs.rundir, 'probed.sock');
    await ovs.vsctl(
      '--no-wait',
      '--id=@m',
      'create',
      'Manager',
      `target="punix:${probed}"`,
      'inactivity_probe=1000',
      '--',
      'set',
      'Open_vSwitch',
      '.',
      'manager_options=@m',
    );
    for (let i = 0; i < 100 && !(await canConnect(probed)); i++) await sleep(20);
    const probedClient = await OvsdbClient.connect(probed);
    try {
      // A peer that never answers is dropped by the probe: that proves the probe runs...
      const silent = createConnection({ path: probed }).resume();
      await once(silent, 'close');
      // ...and our client, idle for as long, is still connected because it answered.
      assert.equal(probedClient.isClosed, false);
      assert.ok((await probedClient.listDbs()).includes('Open_vSwitch'));
    } finally {
      probedClient.close();
    }
  });
});

describe('OvsdbClient when ovsdb-server goes away', () => {
  let ovs: PrivateOvs;
  before(async () => {
    ovs = await startPrivateOvs();
  });
  after(() => ovs?.stop());

  it('rejects pending calls, ends monitors with an error and resolves closed', async () => {
    const client = await OvsdbClient.connect(ovs.dbSocket);
    const monitor = await client.monitor(VSWITCH_DB, { Open_vSwitch: { columns: ['cur_cfg'] } });
    const loop = (async () => {
      for await (const _ of monitor);
    })();
    const pending = client.transact(VSWITCH_DB, [wait('Open_vSwitch', [], ['next_cfg'], '==', [{ next_cfg: 99 }], 600_000)]);
    process.kill(ovs.pids.ovsdbServer, 'SIGKILL');
    const reason = await client.closed;
    assert.ok(reason.error instanceof QuarkError);
    await assert.rejects(pending, QuarkError);
    await assert.rejects(loop, QuarkError);
    await assert.rejects(client.listDbs(), QuarkError);
  });
});

function canConnect(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ path });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
