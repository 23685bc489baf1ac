import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Token } from '../model/identity.js';
import { type Commit, Store } from './store.js';

const token = (id: string, revoked = false): Token => ({
  id,
  user_id: 'u',
  project_id: 'p',
  domain_id: null,
  methods: ['password'],
  issued_at: '2030-01-01T00:00:00.000000Z',
  expires_at: '2030-01-01T01:00:00.000000Z',
  audit_ids: ['a'],
  user_epoch: 0,
  revoked,
});

describe('store: kinds outside the change log (KindSpec.inChangeLog = false)', () => {
  let dir: string;
  let a: Store;
  let b: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'quark-store-'));
    a = await Store.open({ url: join(dir, 'q.db') });
    b = await Store.open({ url: join(dir, 'q.db') });
  });
  after(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('persists token writes without a revision, a change log entry or a commit event', async () => {
    const commits: Commit[] = [];
    const stop = a.onCommit((c) => commits.push(c));
    const revision = a.revision;
    await a.write((tx) => {
      tx.put('token', token('t1'));
    });
    assert.equal(a.revision, revision);
    assert.deepEqual(commits, []);
    assert.equal(a.view.get('token', 't1')?.user_id, 'u', "the writer's view has it");
    assert.deepEqual(
      ((await a.changesSince(0)) ?? []).filter((c) => c.kind === 'token'),
      [],
    );
    stop();
  });

  it('publishes only the feed kinds of a mixed write, under one new revision', async () => {
    const commits: Commit[] = [];
    const stop = a.onCommit((c) => commits.push(c));
    await a.write((tx) => {
      tx.put('token', token('t2'));
      tx.put('domain', { id: 'd', name: 'D', description: '', enabled: true });
    });
    assert.equal(commits.length, 1);
    assert.deepEqual(
      commits[0]!.changes.map((c) => c.kind),
      ['domain'],
    );
    const logged = (await a.changesSince(commits[0]!.revision - 1)) ?? [];
    assert.deepEqual(
      logged.map((c) => [c.kind, c.id, c.revision]),
      [['domain', 'd', commits[0]!.revision]],
    );
    stop();
  });

  it('lets another store read such records with fetch, and catch up with feed kinds with sync', async () => {
    assert.equal(b.view.get('token', 't1'), undefined, 'not announced to other servers');
    assert.equal((await b.fetch('token', 't1'))?.id, 't1');
    assert.equal(b.view.get('domain', 'd'), undefined);
    await b.sync();
    assert.equal(b.view.get('domain', 'd')?.name, 'D');
    assert.equal(b.revision, a.revision);
    await a.write((tx) => {
      tx.put('token', token('t1', true));
    });
    assert.equal((await b.fetch('token', 't1'))?.revoked, true);
    assert.equal(await b.fetch('token', 'missing'), undefined);
  });

  it('loads such records again on open', async () => {
    const c = await Store.open({ url: join(dir, 'q.db') });
    try {
      assert.equal(c.view.get('token', 't2')?.id, 't2');
      assert.equal(c.view.get('domain', 'd')?.name, 'D');
    } finally {
      await c.close();
    }
  });
});
