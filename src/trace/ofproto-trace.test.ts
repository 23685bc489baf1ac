import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { datapathOutputs, parseDpctlShow, splitTopLevel } from './datapath-actions.js';
import { parseOfprotoTrace } from './ofproto-trace.js';
import { fixture } from './testing/fixtures.js';

describe('parseOfprotoTrace', () => {
  it('reads every table step of every bridge crossed, with match, priority and cookie', () => {
    const t = parseOfprotoTrace(fixture('ofproto-to-tunnel.txt'));
    assert.deepEqual(t.bridges, ['br-int', 'br-tun', 'br-phy']);
    assert.deepEqual(
      t.steps.map((s) => [s.bridge, s.table, s.priority]),
      [
        ['br-int', 0, 0],
        ['br-int', 60, 3],
        ['br-tun', 0, 1],
        ['br-tun', 2, 0],
        ['br-tun', 20, 2],
        ['br-phy', 0, 0],
      ],
    );
    const ucast = t.steps[4]!;
    assert.equal(ucast.match, 'dl_vlan=2,dl_dst=fa:16:3e:0c:33:2f');
    assert.equal(ucast.cookie, 0x5155026c893c94c6n);
    assert.deepEqual(ucast.actions, ['pop_vlan', 'set_field:0x2->tun_id', 'output:2']);
    assert.ok(ucast.notes.includes('tunneling to 198.18.1.11 via br-phy'));
    assert.equal(t.steps[0]!.match, '');
    assert.match(t.datapathActions, /^tnl_push/);
  });

  it('keeps the notes of NORMAL and of suppressed learning', () => {
    const t = parseOfprotoTrace(fixture('ofproto-from-tunnel.txt'));
    assert.deepEqual(t.steps.find((s) => s.table === 10)?.notes, ['suppressing side effects, so learn action ignored']);
    assert.deepEqual(t.steps.at(-1)?.notes, ['forwarding to learned port']);
    assert.equal(t.datapathActions, '9');
  });

  it('reads a drop at the end of the pipeline', () => {
    const t = parseOfprotoTrace(fixture('ofproto-dead-vlan.txt'));
    const last = t.steps.at(-1)!;
    assert.deepEqual([last.bridge, last.table, last.actions], ['br-tun', 22, ['drop']]);
  });
});

describe('datapathOutputs', () => {
  it('reads a userspace GRE push and the plain port of a local delivery', () => {
    assert.deepEqual(datapathOutputs(parseOfprotoTrace(fixture('ofproto-to-tunnel.txt')).datapathActions), [
      { kind: 'tunnel', remoteIp: '198.18.1.11', key: 2 },
    ]);
    assert.deepEqual(datapathOutputs('9'), [{ kind: 'port', port: '9' }]);
    assert.deepEqual(datapathOutputs('tap4524cb97-80'), [{ kind: 'port', port: 'tap4524cb97-80' }]);
    assert.deepEqual(datapathOutputs('drop'), []);
  });

  it('reads every copy of a flooded packet, inside clone() too', () => {
    const outputs = datapathOutputs(parseOfprotoTrace(fixture('ofproto-flood.txt')).datapathActions);
    assert.deepEqual(outputs, [
      { kind: 'tunnel', remoteIp: '198.18.1.11', key: 2 },
      { kind: 'port', port: '2' },
      { kind: 'port', port: '6' },
    ]);
  });

  it('reads VXLAN pushes and the kernel datapath’s set(tunnel(…))', () => {
    const vxlan =
      'tnl_push(tnl_port(5),header(size=50,type=4,eth(dst=aa:bb:cc:dd:ee:ff,src=11:22:33:44:55:66,dl_type=0x0800),ipv4(src=198.18.1.12,dst=198.18.1.13,proto=17,tos=0,ttl=64,frag=0x4000),udp(src=0,dst=4789,csum=0x0),vxlan(flags=0x8000000,vni=0x3)),out_port(4)),3';
    assert.deepEqual(datapathOutputs(vxlan), [{ kind: 'tunnel', remoteIp: '198.18.1.13', key: 3 }]);
    const kernel = 'set(tunnel(tun_id=0x2,dst=198.18.1.11,ttl=64,tp_dst=4789,flags(df|key))),3,5';
    assert.deepEqual(datapathOutputs(kernel), [
      { kind: 'tunnel', remoteIp: '198.18.1.11', key: 2 },
      { kind: 'port', port: '5' },
    ]);
  });

  it('splits only at top-level commas', () => {
    assert.deepEqual(splitTopLevel('a(b,c),d,e(f(g,h))'), ['a(b,c)', 'd', 'e(f(g,h))']);
  });
});

describe('parseDpctlShow', () => {
  it('maps datapath port numbers to devices', () => {
    const ports = parseDpctlShow(fixture('dpctl-network.txt'));
    assert.equal(ports.get(2), 'eth2');
    assert.equal(ports.get(9), 'tap6c893c94-c6');
    assert.equal(ports.get(11), 'gre_sys');
  });
});
