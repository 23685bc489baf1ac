import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { QuarkClient } from '../client/client.js';
import type { VrrpState } from '../dataplane/compile/inputs.js';
import type { HostPlan } from '../dataplane/compile/plan.js';
import { id, network, port, replicaOf, router } from '../dataplane/testing/fixtures.js';
import type { Port } from '../model/resources.js';
import { planHaPorts } from './ha-ports.js';
import { HaStateReporter, haStatesOf } from './ha-states.js';
import { routerPortBindings } from './router-bindings.js';

const haNet = network({ id: id('ha0e1'), project_id: '', ha_project_id: 'p1', 'provider:segmentation_id': 200 });
const rHa = router({ id: id('a0071'), ha: true, ha_vr_id: 1 });
const rLegacy = router({ id: id('a0072') });
const haPort = (name: string, routerId: string, host: string, over: Partial<Port> = {}) =>
  port({
    id: id(name),
    network_id: haNet.id,
    host,
    project_id: '',
    device_owner: 'network:router_ha_interface',
    device_id: routerId,
    ...over,
  });

describe('HA ports of the L3 agent', () => {
  it('asks for one HA port per HA router served here, on its project’s HA network, and deletes the others', () => {
    const stale = haPort('4a0f1', id('a0079'), 'network1');
    const extra = [haPort('4a011', rHa.id, 'network1'), haPort('4a012', rHa.id, 'network1')];
    const othersPort = haPort('4a021', rHa.id, 'network2');
    const none = replicaOf({ networks: [haNet], routers: [rHa, rLegacy], ports: [stale, othersPort] });
    assert.deepEqual(planHaPorts(none, 'network1'), [
      {
        op: 'create',
        routerId: rHa.id,
        port: {
          network_id: haNet.id,
          project_id: '',
          name: 'HA port tenant p1',
          admin_state_up: true,
          device_owner: 'network:router_ha_interface',
          device_id: rHa.id,
          'binding:host_id': 'network1',
          port_security_enabled: false,
        },
      },
      { op: 'delete', routerId: stale.device_id, portId: stale.id },
    ]);
    const twice = replicaOf({ networks: [haNet], routers: [rHa], ports: extra });
    assert.deepEqual(planHaPorts(twice, 'network1'), [{ op: 'delete', routerId: rHa.id, portId: extra[1]!.id }]);
    assert.deepEqual(planHaPorts(replicaOf({ routers: [rHa] }), 'network1'), [], 'the HA network has not arrived yet');
  });
});

describe('HA states of the L3 agent', () => {
  const keepalived = (routerId: string) =>
    ({
      kind: 'daemon',
      service: 'keepalived',
      origin: { kind: 'router', id: routerId },
    }) as unknown as HostPlan['daemons'][number];
  const plan = { daemons: [keepalived(rHa.id), keepalived(id('a0073'))] } as unknown as HostPlan;

  it('says active where keepalived is master, standby otherwise, nothing before keepalived speaks', () => {
    const vrrp = new Map<string, VrrpState>([
      [rHa.id, 'MASTER'],
      [id('a0073'), 'FAULT'],
    ]);
    assert.deepEqual(
      [...haStatesOf(plan, vrrp)],
      [
        [rHa.id, 'active'],
        [id('a0073'), 'standby'],
      ],
    );
    assert.deepEqual([...haStatesOf(plan, new Map())], []);
  });

  it('reports what the server’s HA port does not say yet, once per port revision', async () => {
    const sent: unknown[] = [];
    const client = { post: async (_path: string, body: unknown) => sent.push(body) } as unknown as QuarkClient;
    const reporter = new HaStateReporter(client, 'network1', pino({ level: 'silent' }));
    const mine = haPort('4a011', rHa.id, 'network1', { ha_state: 'standby' });
    const replica = replicaOf({ networks: [haNet], routers: [rHa], ports: [mine] });
    const active = new Map([[rHa.id, 'active' as const]]);
    assert.equal(await reporter.report(replica, active), 1);
    assert.equal(await reporter.report(replica, active), 0, 'the feed has not brought the new state yet');
    assert.equal(
      await reporter.report(replicaOf({ networks: [haNet], routers: [rHa], ports: [{ ...mine, ha_state: 'active' }] }), active),
      0,
    );
    assert.deepEqual(sent, [{ host: 'network1', states: { [rHa.id]: 'active' } }]);
  });
});

describe('bindings of an HA router’s ports', () => {
  const owned = (name: string, routerId: string, host: string, owner: string) =>
    port({ id: id(name), network_id: id('aaaa1'), host, device_owner: owner, device_id: routerId });
  const qr = owned('9a1a1', rHa.id, 'network2', 'network:ha_router_replicated_interface');
  const gw = owned('9a7e1', rHa.id, '', 'network:router_gateway');
  const goneQr = owned('9a1b1', id('a0079'), 'network1', 'network:ha_router_replicated_interface');

  it('the node where keepalived is master binds them to itself; no node unbinds them', () => {
    const replica = replicaOf({ ports: [qr, gw, goneQr], routers: [rHa] });
    const master = new Map<string, VrrpState>([[rHa.id, 'MASTER']]);
    assert.deepEqual(
      routerPortBindings(replica, 'network1', master).map((c) => [c.portId, c.host]),
      [
        [qr.id, 'network1'],
        [gw.id, 'network1'],
      ],
    );
    assert.deepEqual(routerPortBindings(replica, 'network1', new Map([[rHa.id, 'BACKUP']])), []);
    assert.deepEqual(routerPortBindings(replica, 'network1'), []);
  });
});
