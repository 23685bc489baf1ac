import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Store } from '../../store/store.js';
import { bootstrapIdentity } from './bootstrap.js';
import { verifyPassword } from './passwords.js';

describe('bootstrapIdentity', () => {
  it('creates Default, the three roles, project and user admin with the admin role, once', async () => {
    const store = await Store.open({ url: ':memory:' });
    try {
      const first = await bootstrapIdentity(store, { password: 'one' });
      assert.deepEqual(first.created, [
        'domain Default',
        'role admin',
        'role member',
        'role reader',
        'project admin',
        'user admin',
        'role admin for admin on admin',
      ]);
      const view = store.view;
      assert.equal(view.get('domain', 'default')?.name, 'Default');
      const user = view.get('user', first.userId)!;
      assert.equal(user.default_project_id, first.projectId);
      assert.ok(await verifyPassword('one', user.password_hash));
      const revision = store.revision;

      const again = await bootstrapIdentity(store, { password: null });
      assert.deepEqual(again.created, []);
      assert.equal(again.userId, first.userId);
      assert.equal(again.passwordChanged, false);
      assert.equal(store.view.size('role'), 3);
      assert.equal(store.view.size('role_assignment'), 1);
      assert.ok(await verifyPassword('one', store.view.get('user', first.userId)!.password_hash), 'password kept');
      assert.equal(store.revision, revision, 'a re-run writes nothing');

      await bootstrapIdentity(store, { password: 'two' });
      const reset = store.view.get('user', first.userId)!;
      assert.ok(await verifyPassword('two', reset.password_hash));
      assert.equal(reset.token_epoch, user.token_epoch + 1, 'a new password revokes old tokens');
    } finally {
      await store.close();
    }
  });

  it('needs a password to create the admin user', async () => {
    const store = await Store.open({ url: ':memory:' });
    try {
      await assert.rejects(bootstrapIdentity(store, { password: null }), /password is needed/);
      assert.equal(store.view.size('user'), 0, 'nothing written');
    } finally {
      await store.close();
    }
  });
});
