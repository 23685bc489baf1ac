import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FirewallPortItem } from '../dataplane/compile/plan.js';
import { logLine } from './security-group-log.js';

const port: FirewallPortItem = {
  kind: 'firewallPort',
  portId: 'c0de2000-0000-0000-0000-000000000000',
  networkId: 'aaaa1000-0000-0000-0000-000000000000',
  device: 'tapc0de2000-00',
  filtered: true,
  zone: 4097,
  mac: 'fa:16:3e:00:00:02',
  fixedIps: ['10.0.0.4'],
  sources: [{ cidr: '10.0.0.4/32', mac: 'fa:16:3e:00:00:02' }],
  groups: ['5e0eb200-0000-0000-0000-000000000000'],
  log: { accept: true, drop: true, logIds: ['10c10000-0000-0000-0000-000000000000'] },
  projectId: 'alpha',
  origin: { kind: 'port', id: 'c0de2000-0000-0000-0000-000000000000' },
};
const packet = {
  time: Date.parse('2026-12-07T08:02:11.532Z'),
  family: 4 as const,
  protocol: 6,
  src: '10.0.0.3',
  dst: '10.0.0.4',
  sport: 40000,
  dport: 6000,
  icmpType: null,
  icmpCode: null,
};

describe('security group log lines', () => {
  it('name action, direction, project, logs, port, rule and packet (docs/security-group-logging.md)', () => {
    const ports = new Map([[port.device, port]]);
    assert.equal(
      logLine({ ...packet, prefix: 'D i - tapc0de2000-00' }, ports),
      '2026-12-07T08:02:11.532Z action=DROP direction=ingress project_id=alpha log_resource_ids=[10c10000-0000-0000-0000-000000000000] vm_port=c0de2000-0000-0000-0000-000000000000 security_group_rule=none protocol=tcp src=10.0.0.3 sport=40000 dst=10.0.0.4 dport=6000',
    );
    const accept = logLine({ ...packet, prefix: 'A o 8a61c0f2-5b3d-4e7a-a1c9-0d2e4f6a8b10 tapc0de2000-00' }, ports);
    assert.match(accept ?? '', / action=ACCEPT direction=egress .* security_group_rule=8a61c0f2-5b3d-4e7a-a1c9-0d2e4f6a8b10 /);
    const ping = logLine(
      { ...packet, protocol: 1, sport: null, dport: null, icmpType: 8, icmpCode: 0, prefix: 'D i - tapc0de2000-00' },
      ports,
    );
    assert.match(ping ?? '', / protocol=icmp src=10\.0\.0\.3 dst=10\.0\.0\.4 icmp_type=8 icmp_code=0$/);
    assert.equal(logLine({ ...packet, prefix: 'something else' }, ports), null);
  });
});
