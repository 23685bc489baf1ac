import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { id, port, replicaOf, router } from '../dataplane/testing/fixtures.js';
import { routerPortBindings } from './router-bindings.js';

const served = router({ id: id('a0071') });
const owned = (name: string, routerId: string, host: string, owner = 'network:router_interface') =>
  port({ id: id(name), network_id: id('aaaa1'), host, device_owner: owner, device_id: routerId });

describe('routerPortBindings', () => {
  it('binds the ports of routers served here, unbinds those of routers served elsewhere, leaves the rest', () => {
    const unbound = owned('9a1a1', served.id, '');
    const gwElsewhere = owned('9a7e1', served.id, 'network2', 'network:router_gateway');
    const alreadyHere = owned('9a1a2', served.id, 'network1');
    const movedAway = owned('9a1b1', id('a0072'), 'network1');
    const otherHost = owned('9a1b2', id('a0072'), 'network2');
    const vm = port({ id: id('c0de1'), network_id: id('aaaa1'), host: 'network1' });
    const replica = replicaOf({ ports: [unbound, gwElsewhere, alreadyHere, movedAway, otherHost, vm], routers: [served] });
    assert.deepEqual(
      routerPortBindings(replica, 'network1').map((c) => [c.portId, c.host]),
      [
        [unbound.id, 'network1'],
        [movedAway.id, ''],
        [gwElsewhere.id, 'network1'],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
  });
});
