/**
 * docs/deploy.md, run: the package built by its build block, then every block that names a
 * machine, literally and in order, on three machines made of namespaces (controller, network
 * node, compute node) and one outside machine on the external network (machines.ts). The
 * document's variables get the test's values; a block that fails fails the test with its output
 * and the machines' service logs. See the end of docs/deploy.md for what stands in for systemd.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type DocBlock, assignedNames, docBlocks } from '../testing/doc-blocks.js';
import { isRoot, leftovers, uniquePrefix } from '../testing/host.js';
import { type Machine, MachineRoom, exec } from '../testing/machines.js';
import { installStandins } from '../testing/systemd-standin.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOC = join(REPO, 'docs', 'deploy.md');
/** The machines the document's blocks name; `all` is the first three. */
const HOSTS = ['controller', 'network', 'compute'];
const BLOCK_TIMEOUT_MS = 300_000;

/** The document's example addresses serve here too: every network is inside the test's namespaces. */
function settings(dir: string): Record<string, string> {
  const secret = () => randomBytes(12).toString('base64url');
  return {
    CONTROLLER_IP: '192.0.2.10',
    NETWORK_TUNNEL_IP: '198.51.100.11',
    COMPUTE_TUNNEL_IP: '198.51.100.21',
    TUNNEL_NIC: 'eth1',
    EXTERNAL_NIC: 'eth2',
    EXTERNAL_CIDR: '203.0.113.0/24',
    EXTERNAL_GATEWAY: '203.0.113.1',
    FIP_START: '203.0.113.10',
    FIP_END: '203.0.113.99',
    FLOATING_IP: '203.0.113.11',
    ADMIN_PASSWORD: secret(),
    AGENT_PASSWORD: secret(),
    DB_PASSWORD: secret(),
    QUARK_DEB: join(dir, 'quark.deb'),
  };
}

const quote = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;

/**
 * One block as an operator's shell runs it on a machine: the settings, then the block; what the
 * block exported (`. /root/admin-openrc`) carries over to the machine's next block, as in one
 * terminal session.
 */
function script(values: Record<string, string>, block: DocBlock): string {
  return [
    'set -euo pipefail',
    '[ -f /root/.doc-session ] && . /root/.doc-session',
    ...Object.entries(values).map(([k, v]) => `${k}=${quote(v)}`),
    block.text,
    'export -p > /root/.doc-session',
  ].join('\n');
}

async function serviceLogs(machine: Machine): Promise<string> {
  const r = await machine.sh(
    'for f in /var/log/standin/*.log /var/log/openvswitch/ovs-vswitchd.log; do [ -f "$f" ] && { echo "== $f"; tail -n 40 "$f"; }; done; true',
  );
  return `---- ${machine.name}\n${r.stdout}`;
}

/** DEPLOY_TRANSCRIPT=FILE: every block's output goes there too (real output for the documents). */
const TRANSCRIPT = process.env.DEPLOY_TRANSCRIPT;

async function runBlock(room: MachineRoom, values: Record<string, string>, block: DocBlock): Promise<void> {
  const targets = block.where.includes('all') ? HOSTS : block.where;
  const results = await Promise.all(
    targets.map(async (name) => ({ name, r: await room.get(name).sh(script(values, block), { timeoutMs: BLOCK_TIMEOUT_MS }) })),
  );
  if (TRANSCRIPT) {
    const text = results.map(
      (x) =>
        `### line ${block.line} on ${x.name} (exit ${x.r.status})\n${block.text}\n--- stdout\n${x.r.stdout}--- stderr\n${x.r.stderr}\n`,
    );
    appendFileSync(TRANSCRIPT, text.join(''));
  }
  const failed = results.filter((x) => x.r.status !== 0);
  if (failed.length === 0) return;
  const logs = await Promise.all([...room.machines.values()].map(serviceLogs));
  const detail = failed.map((x) => `on ${x.name}: exit status ${x.r.status}\nstdout:\n${x.r.stdout}\nstderr:\n${x.r.stderr}`);
  assert.fail(
    `docs/deploy.md line ${block.line} (sh ${block.where.join(' ')}) failed\n${block.text}\n\n${detail.join('\n')}\n\n${logs.join('\n')}`,
  );
}

describe('docs/deploy.md', { skip: !isRoot() && 'needs root (namespaces, mounts, OVS)' }, () => {
  it('deploys a controller, a network node and a compute node and runs the article’s tenants, block by block', {
    timeout: 1_200_000,
  }, async () => {
    const prefix = uniquePrefix('qd');
    const dir = join(tmpdir(), `${prefix}-deploy`);
    const values = settings(dir);
    const blocks = docBlocks(readFileSync(DOC, 'utf8'));
    const vars = blocks.filter((b) => b.where[0] === 'vars');
    assert.equal(vars.length, 1, 'one vars block');
    assert.deepEqual(
      assignedNames(vars[0]!.text).sort(),
      Object.keys(values).sort(),
      'the document and the test set the same variables',
    );
    const known = new Set([...HOSTS, 'all', 'outside', 'vars', 'build']);
    for (const b of blocks) for (const w of b.where) assert.ok(known.has(w), `line ${b.line}: no machine ${w}`);

    const room = await MachineRoom.open(prefix, dir);
    try {
      const build = blocks.filter((b) => b.where[0] === 'build');
      assert.equal(build.length, 1, 'one build block');
      const built = await exec(
        ['bash', '-c', `cd ${quote(REPO)} && export QUARK_DEB_COMPRESS=none && set -euo pipefail && ${build[0]!.text}`],
        '',
        300_000,
      );
      assert.equal(built.status, 0, `build block: ${built.stderr}`);
      const deb = readdirSync(REPO).find((f) => /^quark_.*\.deb$/.test(f));
      assert.ok(deb, 'the build block wrote quark_<version>_<arch>.deb');
      renameSync(join(REPO, deb), values.QUARK_DEB!);

      await room.add({ name: 'controller', nics: [{ ifname: 'eth0', bridge: 'mgmt', address: `${values.CONTROLLER_IP}/24` }] });
      await room.add({
        name: 'network',
        nics: [
          { ifname: 'eth0', bridge: 'mgmt', address: '192.0.2.11/24' },
          { ifname: 'eth1', bridge: 'tun', address: `${values.NETWORK_TUNNEL_IP}/24` },
          { ifname: 'eth2', bridge: 'ext', address: null },
        ],
      });
      await room.add({
        name: 'compute',
        nics: [
          { ifname: 'eth0', bridge: 'mgmt', address: '192.0.2.21/24' },
          { ifname: 'eth1', bridge: 'tun', address: `${values.COMPUTE_TUNNEL_IP}/24` },
        ],
      });
      const outside = await room.add({
        name: 'outside',
        nics: [{ ifname: 'eth0', bridge: 'ext', address: `${values.EXTERNAL_GATEWAY}/24` }],
      });
      // A real upstream router sends complete checksums; a veth leaves them to offload, which
      // the userspace datapath on the other side does not finish.
      await outside.sh('ethtool -K eth0 tx off >/dev/null');
      for (const name of HOSTS) await installStandins(room.get(name));

      for (const block of blocks) {
        if (block.where[0] === 'vars' || block.where[0] === 'build') continue;
        await runBlock(room, values, block);
      }
    } finally {
      await room.destroy();
      for (const f of readdirSync(REPO)) if (/^quark_.*\.deb$/.test(f)) await exec(['rm', '-f', join(REPO, f)]);
    }
    assert.deepEqual(leftovers(prefix), []);
  });
});
