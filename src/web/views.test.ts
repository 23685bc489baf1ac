import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import './testing/elk.js';
import { layout } from './layout.js';
import { logicalScene } from './logical.js';
import { physicalScene } from './physical.js';
import { type SceneNode, walk } from './scene.js';
import { EventReader } from './sse.js';
import { NO_MARKS, sceneSvg } from './svg.js';
import { tablesHtml } from './tables.js';
import { evidenceText } from './evidence.js';
import { havanaCloud, havanaSgTrace, havanaTrace } from './testing/havana.js';
import { logicalTraceMarks, physicalTraceMarks } from './trace-marks.js';
import { traceHtml } from './ui/trace-panel.js';

const byTitle = (root: SceneNode, re: RegExp) => [...walk(root)].filter((n) => re.test(n.title));
const one = (root: SceneNode, re: RegExp) => {
  const hits = byTitle(root, re);
  assert.equal(hits.length, 1, `one element titled ${re}: ${hits.map((h) => h.title).join(' | ')}`);
  return hits[0]!;
};

describe('logical view', () => {
  it('draws the article’s two tenants: test with one network, test1 with its router to the external network', () => {
    const scene = logicalScene(havanaCloud());
    assert.deepEqual(
      scene.children!.map((p) => p.title),
      ['project test', 'project test1'],
    );
    const [test, test1] = scene.children!;
    assert.deepEqual(
      test!.children!.map((c) => c.title),
      ['network test-net 10.0.0.0/24'],
    );
    assert.deepEqual(
      test1!.children!.map((c) => c.title),
      ['external network public 203.0.113.0/24 of admin', 'router test1-router', 'network test1-net 10.0.0.0/24'],
    );
    const vm3 = one(test1!, /^vm3$/);
    assert.deepEqual(vm3.lines, ['10.0.0.3', 'floating 203.0.113.11', 'sg default', 'on compute']);
    assert.equal(vm3.tone, 'up');
    assert.match(
      vm3.label,
      /^port vm3, status ACTIVE, fixed IP 10\.0\.0\.3, floating IP 203\.0\.113\.11, security groups default/,
    );
    // Wires: the external network over the router, the router over its network, labelled with the addresses.
    const wires = test1!.edges!.map((e) => `${e.kind} ${e.label}`).sort();
    assert.deepEqual(wires, ['gateway 203.0.113.10', 'interface 10.0.0.1']);
    // Both tenants use 10.0.0.0/24: vm1 of test has an address a port of test1 has too, each in its own network.
    const vm1 = one(test!, /^vm1$/);
    assert.equal(byTitle(test1!, /^vm[23]$/).filter((n) => n.lines[0] === vm1.lines[0]).length, 1);
  });
});

describe('physical view', () => {
  it('draws each host from its agent’s reading: bridges, tap → qbr → qvb ⇄ qvo with the local VLAN, namespaces, tunnels', () => {
    const { scene } = physicalScene(havanaCloud());
    const [compute, network] = scene.children!;
    assert.match(compute!.title, /^host compute \(l2\) · 1 agent alive$/);
    assert.match(network!.title, /^host network \(l2, dhcp, l3\) · 3 agents alive$/);
    const bridges = (h: SceneNode) =>
      h
        .children!.filter((c) => c.kind === 'bridge')
        .map((c) => c.title)
        .sort();
    assert.deepEqual(bridges(compute!), ['br-int', 'br-phy', 'br-tun']);
    assert.deepEqual(bridges(network!), ['br-ex', 'br-int', 'br-phy', 'br-tun']);
    const vm3 = one(compute!, /^vm3 · 10\.0\.0\.3 · test1-net$/);
    assert.match(vm3.lines[0]!, /^tap[0-9a-f]{8}-[0-9a-f]{2} → qbr[0-9a-f]{8}-[0-9a-f]{2}$/);
    assert.match(vm3.lines[1]!, /^qvb[0-9a-f]{8}-[0-9a-f]{2} ⇄ qvo[0-9a-f]{8}-[0-9a-f]{2}$/);
    assert.match(vm3.lines[2]!, /^br-int port, local VLAN \d+$/);
    const router = one(network!, /^qrouter-[0-9a-f]{8} · router test1-router$/);
    assert.ok(
      router.lines.some((l) => /^qr-\S+ 10\.0\.0\.1\/24 · VLAN \d+$/.test(l)),
      router.lines.join('\n'),
    );
    assert.ok(
      router.lines.some((l) => /^qg-\S+ 203\.0\.113\.10\/24 203\.0\.113\.11\/32 · VLAN \d+$/.test(l)),
      router.lines.join('\n'),
    );
    assert.equal(byTitle(network!, /^qdhcp-/).length, 2);
    const tunnel = one(compute!, /^gre-/);
    assert.deepEqual(tunnel.lines.slice(0, 2), ['GRE 198.18.1.12 → 198.18.1.11', 'to host network']);
    assert.deepEqual(
      scene.edges!.map((e) => e.label),
      ['GRE 198.18.1.12 ⇄ 198.18.1.11'],
    );
  });

  it('marks the element a drifted item belongs to, and keeps the item’s text for a click', () => {
    const { scene, items, drift } = physicalScene(havanaCloud());
    const router = one(scene, /^qrouter-/);
    assert.equal(router.tone, 'missing');
    assert.equal(router.badge, 'DRIFT 1');
    const missing = items.get(router.id)!.filter((i) => i.status === 'missing');
    assert.deepEqual(
      missing.map((i) => i.text),
      ['-A quark-l3-PREROUTING -d 203.0.113.11/32 -j DNAT --to-destination 10.0.0.3'],
    );
    assert.deepEqual([...drift.keys()], ['network']);
    assert.equal(one(scene, /^host network/).badge, 'DRIFT 1');
    assert.equal(one(scene, /^host compute/).badge, undefined);
    // Every item of every host is somewhere on the picture.
    const cloud = havanaCloud();
    const reported = [...cloud.hosts.values()].reduce((n, h) => n + h.items.length, 0);
    assert.equal(
      [...items.values()].reduce((n, l) => n + l.length, 0),
      reported,
    );
  });
});

describe('layout and drawing', () => {
  it('places every element inside its container, without siblings overlapping, and wires every edge', async () => {
    for (const scene of [logicalScene(havanaCloud()), physicalScene(havanaCloud()).scene]) {
      const placement = await layout(scene);
      const check = (n: SceneNode) => {
        const box = placement.boxes.get(n.id)!;
        const kids = n.children ?? [];
        for (const k of kids) {
          const b = placement.boxes.get(k.id);
          assert.ok(b, `${k.id} placed`);
          if (n.id !== scene.id)
            assert.ok(
              b.x >= box.x &&
                b.y >= box.y &&
                b.x + b.width <= box.x + box.width + 0.5 &&
                b.y + b.height <= box.y + box.height + 0.5,
              `${k.id} inside ${n.id}`,
            );
        }
        for (let i = 0; i < kids.length; i++)
          for (let j = i + 1; j < kids.length; j++) {
            const a = placement.boxes.get(kids[i]!.id)!;
            const b = placement.boxes.get(kids[j]!.id)!;
            const apart = a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;
            assert.ok(apart, `${kids[i]!.id} and ${kids[j]!.id} overlap`);
          }
        for (const e of n.edges ?? []) assert.ok((placement.wires.get(e.id)?.length ?? 0) >= 2, `wire ${e.id}`);
        kids.forEach(check);
      };
      check(scene);
    }
  });

  it('gives every element and wire a text alternative, and escapes what the API says', async () => {
    const cloud = havanaCloud();
    const vm1 = [...cloud.ports.values()].find((p) => p.name === 'vm1')!;
    cloud.ports.set(vm1.id, { ...vm1, name: '<img src=x onerror=alert(1)>' });
    const scene = logicalScene(cloud);
    const svg = sceneSvg(scene, await layout(scene), NO_MARKS, 'logical view');
    assert.equal(svg.includes('<img'), false);
    assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const groups =
      svg.match(/<g class="el [^"]*" data-id="[^"]+" data-key="[^"]+" tabindex="-1" role="button" aria-label="[^"]+">/g) ?? [];
    assert.equal(groups.length, [...walk(scene)].length - 1);
    const wires = svg.match(/<g class="wire [^"]*" data-key="[^"]+" role="img" aria-label="[^"]+">/g) ?? [];
    assert.equal(wires.length, 2);
    assert.equal(tablesHtml(cloud, true).includes('<img'), false);
  });
});

describe('trace on the pictures', () => {
  it('numbers the hops on the physical elements and marks the one that dropped the packet, with its cause', () => {
    const { scene } = physicalScene(havanaCloud());
    const t = havanaTrace();
    const marks = physicalTraceMarks(scene, t, null);
    const router = one(scene, /^qrouter-/);
    const exBridge = [...walk(scene)].find((n) => n.id === 'network/br/br-ex')!;
    assert.deepEqual(marks.path.get(exBridge.id)?.steps, [1]);
    const last = t.hops.length;
    assert.equal(t.hops[last - 1]!.result, 'drop');
    assert.deepEqual(marks.path.get(router.id), { steps: [last], drop: true, says: marks.path.get(router.id)!.says });
    assert.match(marks.path.get(router.id)!.says, /has no DNAT rule for floating IP 203\.0\.113\.11/);
  });

  it('writes each hop’s evidence in the hosts’ own syntax: the security group rules that did not allow the packet', () => {
    const t = havanaSgTrace();
    const drop = t.hops.at(-1)!;
    assert.equal(drop.result, 'drop');
    const lines = drop.evidence.map(evidenceText);
    assert.ok(
      lines.some((l) => /^-t filter -A quark-fw-\S+ -p tcp -m tcp --dport 22 .*-j RETURN {2}\(not matched\)/.test(l)),
      lines.join('\n'),
    );
    const flows = t.hops[0]!.evidence.map(evidenceText);
    assert.match(flows[0]!, /^br-ex LOCAL_SWITCHING\(0\) priority=\d+ /);
    const router = t.hops.find((h) => h.where.startsWith('qrouter-'))!.evidence.map(evidenceText);
    assert.ok(
      router.some((l) => /^\[qrouter-\S+\] ip route get 10\.0\.0\.\d+ from 203\.0\.113\.1 iif qg-\S+: unicast dev qr-/.test(l)),
      router.join('\n'),
    );
  });

  it('writes the reply after the packet, the hosts not read live, and what the verdict assumes, escaped', () => {
    const t = havanaTrace();
    const intentHop = {
      ...t.hops[0]!,
      host: 'compute',
      where: 'iptables (intent)',
      says: 'ingress of <b>vm3</b>',
      intent: true as const,
    };
    const html = traceHtml({
      ...t,
      verdict: {
        result: 'delivered',
        says: 'delivered to port vm3',
        refs: [],
        assumes: { says: 'the sender routes 10.0.0.0/24 via 203.0.113.10', destination: '10.0.0.0/24', via: '203.0.113.10' },
      },
      reply: {
        packet: { ...t.packet, src: '10.0.0.3', dst: '203.0.113.1' },
        hops: [intentHop],
        verdict: { result: 'left', says: 'the reply: left the cloud', refs: [] },
        final: null,
      },
      notLive: ['compute'],
    });
    assert.match(
      html,
      /<p class="verdict delivered" id="trace-verdict">verdict: DELIVERED — delivered to port vm3<br><em>assuming the sender routes 10\.0\.0\.0\/24 via 203\.0\.113\.10<\/em><\/p>/,
    );
    assert.match(
      html,
      /its reply, from 10\.0\.0\.3 to 203\.0\.113\.1:<\/p><ol><li class="intent">compute <strong>iptables \(intent\)<\/strong> ✓ ingress of &lt;b&gt;vm3&lt;\/b&gt; <em>\(not read live: from the intent\)<\/em>/,
    );
    assert.match(html, /id="trace-reply-verdict">reply: LEFT THE CLOUD — the reply: left the cloud<\/p>/);
    assert.match(html, /not read live: compute \(no agent to ask/);
    const physical = physicalTraceMarks(
      physicalScene(havanaCloud()).scene,
      { ...t, reply: { packet: t.packet, hops: [intentHop], verdict: t.verdict, final: null } },
      null,
    );
    assert.ok(
      [...physical.path.values()].some((m) => m.steps.includes(t.hops.length + 1)),
      'the reply hop is numbered after the packet’s',
    );
  });

  it('marks the objects the hops name on the logical view', () => {
    const scene = logicalScene(havanaCloud());
    const marks = logicalTraceMarks(scene, havanaTrace(), null);
    const router = one(scene, /^router test1-router$/);
    assert.equal(marks.path.get(router.id)?.drop, true);
  });
});

describe('event stream reader', () => {
  it('reassembles events split anywhere, skips comments, joins data lines', () => {
    const r = new EventReader();
    const text = ': keepalive\n\nid: 7\nevent: changes\ndata: {"a":\ndata: 1}\n\nevent: hello\r\ndata: {}\r\n\r\n';
    const out = [];
    for (let i = 0; i < text.length; i += 5) out.push(...r.feed(text.slice(i, i + 5)));
    assert.deepEqual(out, [
      { event: 'changes', data: '{"a":\n1}', id: '7' },
      { event: 'hello', data: '{}', id: null },
    ]);
  });

  it('applies changes newer than what the lists answered, and deletions', () => {
    const cloud = havanaCloud();
    const vm3 = [...cloud.ports.values()].find((p) => p.name === 'vm3')!;
    assert.equal(
      cloud.apply({
        collection: 'ports',
        id: vm3.id,
        record: { ...vm3, status: 'DOWN', revision_number: vm3.revision_number - 1 },
      }),
      false,
    );
    assert.equal(cloud.ports.get(vm3.id)!.status, 'ACTIVE');
    assert.equal(
      cloud.apply({
        collection: 'ports',
        id: vm3.id,
        record: { ...vm3, status: 'DOWN', revision_number: vm3.revision_number + 1 },
      }),
      true,
    );
    assert.equal(one(logicalScene(cloud), /^vm3$/).tone, 'down');
    cloud.apply({ collection: 'ports', id: vm3.id, record: null });
    assert.equal(byTitle(logicalScene(cloud), /^vm3$/).length, 0);
  });
});
