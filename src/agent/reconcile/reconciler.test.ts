import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { AgentMetrics } from '../metrics.js';
import { type PassInput, Reconciler } from './reconciler.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from './step.js';

/** A step over a fixed list of objects that fails for the ones in `failing` and records what it touched. */
class FakeStep implements ReconcileStep {
  touched: string[][] = [];
  failing = new Set<string>();
  throws: Error | null = null;

  constructor(
    readonly name: string,
    public keys: string[],
    readonly requires?: readonly string[],
  ) {}

  objects(): string[] {
    return this.keys;
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (this.throws) throw this.throws;
    const due = this.keys.filter((k) => pass.due(k));
    this.touched.push(due);
    const failed = new Map(due.filter((k) => this.failing.has(k)).map((k) => [k, new Error(`${k} broke`)]));
    return { changes: due.length - failed.size, failed };
  }
}

let revision = 0;
const input = (over: Partial<PassInput> = {}): PassInput => ({
  plan: {} as PassInput['plan'],
  full: false,
  synced: true,
  revision: ++revision,
  replica: {} as PassInput['replica'],
  settings: {} as PassInput['settings'],
  observed: { switch: { bridges: [] } as unknown as PassInput['observed']['switch'] },
  ...over,
});

describe('Reconciler', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('applies every other object when one fails, and the steps after it', async () => {
    const routes = new FakeStep('routes', ['qrouter-a', 'qrouter-b']);
    const dnsmasq = new FakeStep('dnsmasq', ['qdhcp-n']);
    routes.failing.add('qrouter-a');
    const r = new Reconciler([routes, dnsmasq]);
    const pass = await r.run(input());
    assert.deepEqual(
      pass.steps.map((s) => [s.step, s.changes, s.failed]),
      [
        ['routes', 1, 1],
        ['dnsmasq', 1, 0],
      ],
    );
    const status = r.status();
    assert.equal(status.routes?.objects['qrouter-a']?.state, 'error');
    assert.equal(status.routes?.objects['qrouter-a']?.error, 'qrouter-a broke');
    assert.equal(status.routes?.objects['qrouter-b']?.state, 'applied');
    assert.equal(status.dnsmasq?.objects['qdhcp-n']?.revision, revision);
    assert.deepEqual(r.errors(), ['routes qrouter-a: qrouter-a broke']);
  });

  it('retries a failed object after its backoff (doubling), at once on a full pass', async () => {
    const step = new FakeStep('flows', ['br-int', 'br-tun']);
    step.failing.add('br-tun');
    const r = new Reconciler([step]);
    await r.run(input());
    assert.equal(r.nextRetry(), Date.now() + 100);
    await r.run(input());
    assert.deepEqual(step.touched.at(-1), ['br-int'], 'br-tun waits out its backoff');
    mock.timers.tick(100);
    await r.run(input());
    assert.deepEqual(step.touched.at(-1), ['br-int', 'br-tun']);
    assert.equal(r.status().flows?.objects['br-tun']?.failures, 2);
    assert.equal(r.nextRetry(), Date.now() + 200);
    await r.run(input({ full: true }));
    assert.deepEqual(step.touched.at(-1), ['br-int', 'br-tun'], 'a full pass tries everything');
    step.failing.clear();
    await r.run(input({ full: true }));
    assert.equal(r.status().flows?.objects['br-tun']?.state, 'applied');
    assert.equal(r.nextRetry(), null);
  });

  it('holds back an object whose required step failed for it, and everything when it failed for the host', async () => {
    const namespaces = new FakeStep('namespaces', ['qrouter-a', 'qrouter-b']);
    const routes = new FakeStep('routes', ['qrouter-a', 'qrouter-b'], ['namespaces']);
    const firewall = new FakeStep('firewall', [HOST]);
    const ovsdb = new FakeStep('switch', [HOST], ['firewall']);
    const flows = new FakeStep('flows', ['br-int'], ['switch']);
    const ports = new FakeStep('port-status', [HOST], ['flows']);
    namespaces.failing.add('qrouter-a');
    firewall.failing.add(HOST);
    const r = new Reconciler([namespaces, routes, firewall, ovsdb, flows, ports]);
    const pass = await r.run(input());
    assert.deepEqual(routes.touched, [['qrouter-b']]);
    assert.deepEqual(ovsdb.touched, [], 'the switch waits for the firewall');
    assert.deepEqual(flows.touched, [], 'and what requires the switch with it');
    assert.deepEqual(
      pass.steps.map((s) => s.heldBy),
      [null, null, null, 'firewall', 'switch', null],
    );
    assert.deepEqual(ports.touched, [[]], 'a host-wide step waits for every object of the step it requires');
    const status = r.status();
    assert.deepEqual(status.routes?.objects['qrouter-a'], {
      state: 'pending',
      revision: 0,
      error: 'waiting for namespaces',
      failures: 0,
      retryAt: null,
    });
    assert.equal(status.flows?.objects['br-int']?.state, 'pending');
    assert.deepEqual(status.switch?.counts, { pending: 1, applied: 0, error: 0 });
    assert.equal(status['port-status']?.objects[HOST]?.error, 'waiting for flows');
  });

  it('fails every object it was due to touch when a step throws', async () => {
    const step = new FakeStep('iptables', ['qrouter-a', 'qrouter-b']);
    step.throws = new Error('iptables-restore: line 3 failed');
    const r = new Reconciler([step]);
    const pass = await r.run(input());
    assert.equal(pass.steps[0]?.failed, 2);
    assert.deepEqual(r.errors(), [
      'iptables qrouter-a: iptables-restore: line 3 failed',
      'iptables qrouter-b: iptables-restore: line 3 failed',
    ]);
  });

  it('forgets objects that left the plan, but keeps a failed deletion until it succeeds', async () => {
    const stale = new FakeStep('stale-namespaces', []);
    stale.apply = async () => ({ changes: 0, failed: new Map([['qrouter-gone', 'Device or resource busy']]) });
    const routes = new FakeStep('routes', ['qrouter-a']);
    const r = new Reconciler([routes, stale]);
    await r.run(input());
    routes.keys = [];
    await r.run(input());
    assert.deepEqual(Object.keys(r.status().routes?.objects ?? {}), []);
    assert.equal(r.status()['stale-namespaces']?.objects['qrouter-gone']?.state, 'error');
    stale.apply = async () => ({ changes: 1 });
    await r.run(input({ full: true }));
    assert.deepEqual(Object.keys(r.status()['stale-namespaces']?.objects ?? {}), []);
  });

  it('runs only the steps that may run before the first snapshot', async () => {
    const bridges = new FakeStep('switch', [HOST]);
    (bridges as { beforeSync?: boolean }).beforeSync = true;
    const routes = new FakeStep('routes', ['qrouter-a']);
    const pass = await new Reconciler([bridges, routes]).run(input({ synced: false }));
    assert.deepEqual(
      pass.steps.map((s) => s.step),
      ['switch'],
    );
  });

  it('counts passes of each step, its failures and its objects by state in the metrics', async () => {
    const metrics = new AgentMetrics();
    const routes = new FakeStep('routes', ['qrouter-a', 'qrouter-b']);
    routes.failing.add('qrouter-b');
    await new Reconciler([routes], metrics).run(input());
    const text = await metrics.registry.metrics();
    assert.match(text, /^quark_agent_step_seconds_count\{step="routes"\} 1$/m);
    assert.match(text, /^quark_agent_step_changes_total\{step="routes"\} 1$/m);
    assert.match(text, /^quark_agent_step_failures_total\{step="routes"\} 1$/m);
    assert.match(text, /^quark_agent_objects\{step="routes",state="error"\} 1$/m);
  });

  it('refuses a step that requires one running after it', () => {
    assert.throws(
      () => new Reconciler([new FakeStep('switch', [HOST], ['firewall']), new FakeStep('firewall', [HOST])]),
      /runs after it/,
    );
  });
});
