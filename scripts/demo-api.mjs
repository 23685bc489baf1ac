#!/usr/bin/env node
// The article's two tenants, expressed through the Neutron API of a running server.
const base = process.argv[2] ?? 'http://127.0.0.1:9696';

async function call(method, path, project, body) {
  const res = await fetch(`${base}/v2.0${path}`, {
    method,
    headers: { 'content-type': 'application/json', 'x-project-id': project, 'x-roles': 'member' },
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

for (const [project, vms] of [
  ['test', ['vm1']],
  ['test1', ['vm2', 'vm3']],
]) {
  const { network } = await call('POST', '/networks', project, { network: { name: `${project}-net` } });
  const { subnet } = await call('POST', '/subnets', project, {
    subnet: { network_id: network.id, name: `${project}-subnet`, ip_version: 4, cidr: '10.0.0.0/24' },
  });
  console.log(`project ${project}: network ${network.name} (${network.id}), subnet ${subnet.cidr}, gateway ${subnet.gateway_ip}`);
  for (const name of vms) {
    const { port } = await call('POST', '/ports', project, { port: { network_id: network.id, name } });
    console.log(`  port ${name}: ${port.mac_address} ${port.fixed_ips.map((f) => f.ip_address).join(', ')}`);
  }
}
for (const project of ['test', 'test1']) {
  const { networks } = await call('GET', '/networks', project);
  console.log(`GET /v2.0/networks as ${project}: ${networks.map((n) => n.name).join(', ')}`);
}
console.log('Both projects use 10.0.0.0/24; each sees only its own network.');
