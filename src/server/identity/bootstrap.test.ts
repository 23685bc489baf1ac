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
  it("creates the agents' user with the admin role on project service, keeping its password on a re-run", async () => {
    const store = await Store.open({ url: ':memory:' });
    try {
      const serviceUser = { username: 'quark-agent', projectName: 'service', password: 'agent-1' };
      const first = await bootstrapIdentity(store, { password: 'one', serviceUser });
      assert.deepEqual(first.created.slice(-3), ['project service', 'user quark-agent', 'role admin for quark-agent on service']);
      assert.equal(first.servicePasswordChanged, true);
      const view = store.view;
      const project = view.all('project').find((p) => p.name === 'service')!;
      const user = view.all('user').find((u) => u.name === 'quark-agent')!;
      assert.equal(user.default_project_id, project.id);
      const admin = view.all('role').find((r) => r.name === 'admin')!;
      assert.ok(
        view.all('role_assignment').some((a) => a.user_id === user.id && a.project_id === project.id && a.role_id === admin.id),
        'admin role on service',
      );
      const revision = store.revision;
      const again = await bootstrapIdentity(store, { password: null, serviceUser: { ...serviceUser, password: null } });
      assert.deepEqual(again.created, []);
      assert.equal(again.servicePasswordChanged, false);
      assert.equal(store.revision, revision, 'a re-run writes nothing');
      assert.ok(await verifyPassword('agent-1', store.view.get('user', user.id)!.password_hash), 'password kept');
      await assert.rejects(
        bootstrapIdentity(store, {
          password: null,
          serviceUser: { username: 'other-agent', projectName: 'service', password: null },
        }),
        /password is needed to create the user other-agent/,
      );
    } finally {
      await store.close();
    }
  });
});
