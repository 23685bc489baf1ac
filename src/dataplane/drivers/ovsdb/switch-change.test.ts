import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QuarkError } from '../../../model/errors.js';
import type { InsertOp, MutateOp, Operation, UpdateOp } from './operations.js';
import { planSwitchChange } from './switch-change.js';
import type { BridgeState, InterfaceState, PortState, SwitchState } from './switch-state.js';

const ROOT = 'root-uuid';

function iface(name: string, extra: Partial<InterfaceState> = {}): InterfaceState {
  return {
    uuid: `i-${name}`,
    name,
    type: '',
    options: {},
    externalIds: {},
    otherConfig: {},
    ofport: 1,
    ofportRequest: undefined,
    error: undefined,
    adminState: 'up',
    linkState: 'up',
    macInUse: undefined,
    ...extra,
  };
}

function port(name: string, extra: Partial<PortState> = {}): PortState {
  return { uuid: `p-${name}`, name, tag: undefined, externalIds: {}, otherConfig: {}, interfaces: [iface(name)], ...extra };
}

function bridge(name: string, ports: PortState[], extra: Partial<BridgeState> = {}): BridgeState {
  return {
    uuid: `b-${name}`,
    name,
    datapathType: 'netdev',
    failMode: 'secure',
    protocols: [],
    otherConfig: {},
    externalIds: {},
    ports: [port(name, { interfaces: [iface(name, { type: 'internal' })] }), ...ports],
    ...extra,
  };
}

const STATE: SwitchState = {
  rootUuid: ROOT,
  nextCfg: 3,
  curCfg: 3,
  ifaceTypes: [],
  bridges: [bridge('br-int', [port('qvo1', { tag: 1, interfaces: [iface('qvo1', { externalIds: { 'iface-id': 'p1' } })] })])],
};

const kinds = (ops: readonly Operation[]) => ops.map((o) => ('table' in o ? `${o.op} ${o.table}` : o.op));

describe('planSwitchChange()', () => {
  it('creates a bridge with its local port and new ports in one transaction, referenced from the root', () => {
    const { ops } = planSwitchChange(STATE, {
      bridges: [{ name: 'br-tun', datapathType: 'netdev', failMode: 'secure', protocols: ['OpenFlow13'] }],
      ports: [{ bridge: 'br-tun', name: 'patch-int', interfaces: [{ type: 'patch', options: { peer: 'patch-tun' } }] }],
    });
    assert.deepEqual(kinds(ops), [
      'insert Interface',
      'insert Port',
      'insert Interface',
      'insert Port',
      'insert Bridge',
      'mutate Open_vSwitch',
    ]);
    const br = ops[4] as InsertOp;
    assert.deepEqual(br.row.ports, [
      'set',
      [
        ['named-uuid', 'row2'],
        ['named-uuid', 'row4'],
      ],
    ]);
    assert.deepEqual(br.row.protocols, ['set', ['OpenFlow13']]);
    assert.deepEqual((ops[2] as InsertOp).row, { name: 'br-tun', type: 'internal' });
    assert.deepEqual((ops[5] as MutateOp).mutations, [['bridges', 'insert', ['set', [['named-uuid', br['uuid-name']]]]]]);
  });

  it('sends nothing when the database already matches', () => {
    const { ops } = planSwitchChange(STATE, {
      bridges: [{ name: 'br-int', datapathType: 'netdev', failMode: 'secure' }],
      ports: [{ bridge: 'br-int', name: 'qvo1', tag: 1, interfaces: [{ externalIds: { 'iface-id': 'p1' } }] }],
      removePorts: ['gone'],
      removeBridges: ['gone-too'],
    });
    assert.deepEqual(ops, []);
  });

  it('adds a port to an existing bridge with a set mutation, not by rewriting Bridge.ports', () => {
    const { ops } = planSwitchChange(STATE, { ports: [{ bridge: 'br-int', name: 'qvo2', tag: 2 }] });
    assert.deepEqual(kinds(ops), ['insert Interface', 'insert Port', 'mutate Bridge']);
    assert.deepEqual((ops[1] as InsertOp).row.tag, 2);
    assert.deepEqual((ops[2] as MutateOp).where, [['_uuid', '==', ['uuid', 'b-br-int']]]);
    assert.deepEqual((ops[2] as MutateOp).mutations, [['ports', 'insert', ['set', [['named-uuid', 'row2']]]]]);
  });

  it('updates only the columns that differ, and null clears an optional column', () => {
    const { ops } = planSwitchChange(STATE, {
      ports: [{ bridge: 'br-int', name: 'qvo1', tag: null, interfaces: [{ externalIds: { 'iface-id': 'p1', x: 'y' } }] }],
    });
    assert.deepEqual(kinds(ops), ['update Interface', 'update Port']);
    assert.deepEqual((ops[0] as UpdateOp).row, {
      external_ids: [
        'map',
        [
          ['iface-id', 'p1'],
          ['x', 'y'],
        ],
      ],
    });
    assert.deepEqual((ops[1] as UpdateOp).row, { tag: ['set', []] });
  });

  it('removes ports and bridges by dropping their references; the database collects the rows', () => {
    const { ops } = planSwitchChange(STATE, { removePorts: ['qvo1'], removeBridges: ['br-int'] });
    assert.deepEqual(kinds(ops), ['mutate Open_vSwitch']);
    const only = planSwitchChange(STATE, { removePorts: ['qvo1'] }).ops;
    assert.deepEqual((only[0] as MutateOp).mutations, [['ports', 'delete', ['set', [['uuid', 'p-qvo1']]]]]);
  });

  it('replaces the interfaces of a port when its spec lists others', () => {
    const { ops } = planSwitchChange(STATE, { ports: [{ bridge: 'br-int', name: 'qvo1', interfaces: [{ name: 'qvo1b' }] }] });
    assert.deepEqual(kinds(ops), ['insert Interface', 'update Port']);
    assert.deepEqual((ops[1] as UpdateOp).row, { interfaces: ['set', [['named-uuid', 'row1']]] });
  });

  it('raises next_cfg and reads it back when asked to wait for ovs-vswitchd, with the comment first', () => {
    const plan = planSwitchChange(STATE, { ports: [{ bridge: 'br-int', name: 'qvo2' }], comment: 'quark: test' }, true);
    assert.deepEqual(kinds(plan.ops), [
      'comment',
      'insert Interface',
      'insert Port',
      'mutate Bridge',
      'mutate Open_vSwitch',
      'select Open_vSwitch',
    ]);
    assert.equal(plan.nextCfgIndex, 5);
    assert.deepEqual((plan.ops[4] as MutateOp).mutations, [['next_cfg', '+=', 1]]);
    assert.equal(planSwitchChange(STATE, {}, true).ops.length, 0);
  });

  it('refuses a change that contradicts itself or the database', () => {
    const bad = (change: Parameters<typeof planSwitchChange>[1]) =>
      assert.throws(
        () => planSwitchChange(STATE, change),
        (e: unknown) => e instanceof QuarkError && e.code === 'InvalidInput',
      );
    bad({ ports: [{ bridge: 'br-nope', name: 'x' }] });
    bad({ ports: [{ bridge: 'br-int', name: 'x' }], removePorts: ['x'] });
    bad({ ports: [{ bridge: 'br-int', name: 'x', interfaces: [{ name: 'qvo1' }] }] });
    bad({ ports: [{ bridge: 'br-int', name: 'x', interfaces: [] }] });
    bad({ bridges: [{ name: 'b' }, { name: 'b' }] });
    // Taking over the interface of a port removed in the same change is fine.
    assert.ok(
      planSwitchChange(STATE, {
        ports: [{ bridge: 'br-int', name: 'x', interfaces: [{ name: 'qvo1' }] }],
        removePorts: ['qvo1'],
      }),
    );
  });
});
