import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { leftovers, uniquePrefix } from '../testing/host.js';

const QUARK = fileURLToPath(new URL('../../bin/quark', import.meta.url));
const SCENARIOS = fileURLToPath(new URL('../../scenarios/', import.meta.url));

function quark(args: readonly string[]): { status: number; out: string } {
  const r = spawnSync(QUARK, args, { encoding: 'utf8', timeout: 300_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

for (const scenario of ['havana.yaml', 'two-computes-vxlan.yaml']) {
  describe(`quark lab up ${scenario}`, () => {
    const name = uniquePrefix('ql');
    after(() => {
      quark(['lab', 'down', name, '--force']);
      assert.deepEqual(leftovers(name), []);
    });

    it('brings the scenario up and every reachability check passes', () => {
      const port = String(20000 + Math.floor(Math.random() * 20000));
      const up = quark(['lab', 'up', `${SCENARIOS}${scenario}`, '--name', name, '--port', port]);
      assert.equal(up.status, 0, up.out);
      assert.match(up.out, /checks, 0 failed\)/);
    });

    it('runs commands in an instance, and lets each project use the openstack CLI as itself', () => {
      const first = scenario === 'havana.yaml' ? 'vm1' : 'web1';
      const addr = quark(['lab', 'exec', first, '--lab', name, '--', 'ip', '-4', '-o', 'addr', 'show', 'dev', 'eth0']);
      assert.equal(addr.status, 0, addr.out);
      assert.match(addr.out, /inet (10\.0\.0|192\.168\.10)\.\d+\//);
      const project = scenario === 'havana.yaml' ? 'test1' : 'web';
      const cli = spawnSync('openstack', ['network', 'list', '-f', 'value', '-c', 'Name'], {
        encoding: 'utf8',
        env: { ...process.env, OS_CLIENT_CONFIG_FILE: `/run/quark/lab/${name}/clouds.yaml`, OS_CLOUD: `${name}-${project}` },
      });
      assert.equal(cli.status, 0, cli.stderr);
      // The project's own network and the shared external one; never the other project's.
      assert.deepEqual(
        cli.stdout.trim().split('\n').sort(),
        scenario === 'havana.yaml' ? ['public', 'test1-net'] : ['back', 'front', 'public'],
      );
    });

    it('lab status shows every instance ACTIVE, and lab down leaves nothing behind', () => {
      const status = quark(['lab', 'status', name]);
      assert.equal(status.status, 0, status.out);
      assert.ok(!status.out.includes('port DOWN'), status.out);
      const down = quark(['lab', 'down', name]);
      assert.equal(down.status, 0, down.out);
      assert.deepEqual(leftovers(name), []);
    });
  });
}

describe('quark lab up with a bad scenario', () => {
  it('stops with an error that names the file and line', () => {
    const r = quark(['lab', 'up', `${SCENARIOS}../package.json`, '--name', uniquePrefix('ql')]);
    assert.notEqual(r.status, 0);
    assert.match(r.out, /package\.json:\d+: /);
  });
});
