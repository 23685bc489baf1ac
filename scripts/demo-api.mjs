#!/usr/bin/env node
// The article's data centre, expressed through the Neutron API of a running server: an external
// network, two projects on the same CIDR, a router with a gateway and an interface for test1, a
// floating IP on vm2, and security group rules that let ping and SSH in.
const base = process.argv[2] ?? 'http://127.0.0.1:9696';

async function call(method, path, project, body) {
  const roles = project === 'admin' ? 'admin' : 'member';
  const res = await fetch(`${base}/v2.0${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-project-id': project, 'x-roles': roles },
    body: body && JSON.stringify(body),
  });
  const data = res.status === 204 ? {} : await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(data)}`);
  return data;
}

for (let i = 0; i < 50; i++) {
  try {
    await fetch(`${base}/healthz`);
    break;
  } catch {
    await new Promise((r) => setTimeout(r, 100));
  }
}

const { network: ext } = await call('POST', '/networks', 'admin', {
  network: { name: 'ext-net', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'external' },
});
await call('POST', '/subnets', 'admin', {
  subnet: { network_id: ext.id, name: 'ext-subnet', ip_version: 4, cidr: '203.0.113.0/24', enable_dhcp: false },
});
console.log(`operator: external network ${ext.name} (${ext.id}), 203.0.113.0/24`);

const ports = {};
for (const [project, vms] of [
  ['test', ['vm1']],
  ['test1', ['vm2', 'vm3']],
]) {
  const { network } = await call('POST', '/networks', project, { network: { name: `${project}-net` } });
  const { subnet } = await call('POST', '/subnets', project, {
    subnet: { network_id: network.id, name: `${project}-subnet`, ip_version: 4, cidr: '10.0.0.0/24' },
  });
  console.log(`project ${project}: network ${network.name} (${network.id}), subnet ${subnet.cidr}, gateway ${subnet.gateway_ip}`);
  if (project === 'test1') {
    const { router } = await call('POST', '/routers', project, {
      router: { name: 'test1-router', external_gateway_info: { network_id: ext.id } },
    });
    await call('PUT', `/routers/${router.id}/add_router_interface`, project, { subnet_id: subnet.id });
    const outside = router.external_gateway_info.external_fixed_ips.map((f) => f.ip_address).join(', ');
    console.log(`  router ${router.name}: gateway ${outside} on ${ext.name}, interface ${subnet.gateway_ip} on ${subnet.name}`);
  }
  for (const name of vms) {
    const { port } = await call('POST', '/ports', project, { port: { network_id: network.id, name } });
    ports[name] = port;
    console.log(`  port ${name}: ${port.mac_address} ${port.fixed_ips.map((f) => f.ip_address).join(', ')}`);
  }
}

const { floatingip } = await call('POST', '/floatingips', 'test1', {
  floatingip: { floating_network_id: ext.id, port_id: ports.vm2.id },
});
console.log(
  `  floating IP ${floatingip.floating_ip_address} -> vm2 ${floatingip.fixed_ip_address} (status ${floatingip.status})`,
);
const { security_groups } = await call('GET', '/security-groups?name=default', 'test1');
for (const rule of [{ protocol: 'icmp' }, { protocol: 'tcp', port_range_min: 22, port_range_max: 22 }]) {
  await call('POST', '/security-group-rules', 'test1', {
    security_group_rule: {
      security_group_id: security_groups[0].id,
      direction: 'ingress',
      remote_ip_prefix: '0.0.0.0/0',
      ...rule,
    },
  });
}
console.log('  default security group of test1: ping and SSH allowed in');

for (const project of ['test', 'test1']) {
  const { networks } = await call('GET', '/networks', project);
  console.log(`GET /v2.0/networks as ${project}: ${networks.map((n) => n.name).join(', ')}`);
}
console.log('Both projects use 10.0.0.0/24; each sees only its own network (and the external one).');
