/**
 * The logical view (the article's first picture, Horizon's network topology): per project its
 * networks with their subnets and ports, its routers wired to the networks they serve and to
 * the external network they leave by, each instance's fixed and floating IPs, security groups
 * and status. A network another project's port or router uses (shared or external) is drawn in
 * that project too, holding only that project's ports.
 */
import type { ApiNetwork, ApiPort, Cloud } from './cloud.js';
import type { SceneEdge, SceneNode, Tone } from './scene.js';

const ROUTER_OWNERS = new Set([
  'network:router_interface',
  'network:router_interface_distributed',
  'network:ha_router_replicated_interface',
  'network:router_ha_interface',
  'network:router_gateway',
]);

/** Ports drawn as cards: instances, DHCP servers, anything but router legs and floating IPs' own ports. */
function drawnAsCard(p: ApiPort): boolean {
  return !ROUTER_OWNERS.has(p.device_owner) && p.device_owner !== 'network:floatingip';
}

function portTone(p: ApiPort): Tone {
  return p.status === 'ACTIVE' ? 'up' : p.status === 'DOWN' || p.status === 'ERROR' ? 'down' : 'plain';
}

function portCard(cloud: Cloud, p: ApiPort): SceneNode {
  const ips = p.fixed_ips.map((f) => f.ip_address);
  const floating = cloud.floatingOf(p.id).map((f) => f.floating_ip_address);
  const groups = p.security_groups.map((g) => cloud.securityGroupName(g));
  const host = p['binding:host_id'];
  const lines = [
    ips.join(', ') || 'no fixed IP',
    ...(floating.length > 0 ? [`floating ${floating.join(', ')}`] : []),
    ...(p.device_owner === 'network:dhcp' ? ['DHCP server'] : groups.length > 0 ? [`sg ${groups.join(', ')}`] : []),
    ...(host ? [`on ${host}`] : []),
  ];
  const name = cloud.portName(p);
  const label = [
    `port ${name}`,
    `status ${p.status}`,
    `fixed IP ${ips.join(', ') || 'none'}`,
    ...(floating.length > 0 ? [`floating IP ${floating.join(', ')}`] : []),
    ...(groups.length > 0 ? [`security groups ${groups.join(', ')}`] : []),
    ...(host ? [`bound to host ${host}`] : []),
  ].join(', ');
  return {
    id: `port:${p.id}`,
    kind: 'port',
    title: name,
    lines,
    label,
    refs: [`port:${p.id}`, ...cloud.floatingOf(p.id).map((f) => `floatingip:${f.id}`)],
    tone: portTone(p),
    badge: p.status,
  };
}

function networkNode(cloud: Cloud, n: ApiNetwork, projectId: string, ports: readonly ApiPort[]): SceneNode {
  const cidrs = cloud.subnetCidrs(n);
  const owner = n.project_id !== projectId ? ` of ${cloud.projectName(n.project_id)}` : '';
  const flags = [n.shared ? 'shared' : '', n['router:external'] ? 'external' : ''].filter(Boolean).join(', ');
  const title = `${n['router:external'] ? 'external network' : 'network'} ${n.name || n.id.slice(0, 8)} ${cidrs.join(' ')}${flags && !n['router:external'] ? ` (${flags})` : ''}${owner}`;
  const cards = ports.map((p) => portCard(cloud, p));
  return {
    id: `net:${projectId}:${n.id}`,
    kind: n['router:external'] ? 'external' : 'network',
    title,
    lines: [],
    label: `${title}: ${cards.length} port${cards.length === 1 ? '' : 's'}`,
    refs: [`network:${n.id}`],
    tone: n.status === 'ACTIVE' ? 'plain' : 'down',
    minWidth: n['router:external'] ? 320 : 200,
    ...(cards.length > 0 ? { children: cards, arrange: 'grid' as const } : {}),
  };
}

/** The logical scene of every project the caller sees (an admin: all; a member: their own). */
export function logicalScene(cloud: Cloud): SceneNode {
  const projects = new Set<string>();
  for (const n of cloud.networks.values()) if (!n['router:external'] && !n.shared) projects.add(n.project_id);
  for (const p of cloud.ports.values()) if (drawnAsCard(p) && p.project_id) projects.add(p.project_id);
  for (const r of cloud.routers.values()) projects.add(r.project_id);
  const byProject: SceneNode[] = [];
  for (const projectId of [...projects].sort((a, b) => cloud.projectName(a).localeCompare(cloud.projectName(b)))) {
    byProject.push(projectScene(cloud, projectId));
  }
  return {
    id: 'logical',
    kind: 'group',
    title: 'logical view',
    lines: [],
    label: 'logical view',
    refs: [],
    tone: 'plain',
    children: byProject,
  };
}

function projectScene(cloud: Cloud, projectId: string): SceneNode {
  const routers = [...cloud.routers.values()].filter((r) => r.project_id === projectId);
  const cardsByNetwork = new Map<string, ApiPort[]>();
  for (const p of cloud.ports.values()) {
    if (!drawnAsCard(p) || p.project_id !== projectId) continue;
    const list = cardsByNetwork.get(p.network_id) ?? [];
    list.push(p);
    cardsByNetwork.set(p.network_id, list);
  }
  const networkIds = new Set<string>(cardsByNetwork.keys());
  for (const n of cloud.networks.values()) if (n.project_id === projectId && !n['router:external']) networkIds.add(n.id);
  const edges: SceneEdge[] = [];
  const routerNodes: SceneNode[] = [];
  for (const r of routers) {
    const id = `router:${r.id}`;
    const legs = [...cloud.ports.values()].filter((p) => p.device_id === r.id && ROUTER_OWNERS.has(p.device_owner));
    const gw = r.external_gateway_info;
    const gwIps = gw?.external_fixed_ips.map((f) => f.ip_address) ?? [];
    if (gw) networkIds.add(gw.network_id);
    const name = r.name || r.id.slice(0, 8);
    const lines = [
      gw ? `gateway ${gwIps.join(', ')}${gw.enable_snat ? ' (SNAT)' : ''}` : 'no gateway',
      ...r.routes.map((x) => `route ${x.destination} via ${x.nexthop}`),
    ];
    routerNodes.push({
      id,
      kind: 'router',
      title: `router ${name}`,
      lines,
      label: `router ${name}, status ${r.status}, ${lines.join(', ')}`,
      refs: [`router:${r.id}`],
      tone: r.status === 'ACTIVE' ? 'up' : 'down',
      badge: r.status,
    });
    for (const leg of legs) {
      networkIds.add(leg.network_id);
      const net = cloud.networks.get(leg.network_id);
      const ip = leg.fixed_ips.map((f) => f.ip_address).join(', ');
      const gateway = leg.device_owner === 'network:router_gateway';
      edges.push({
        id: `leg:${leg.id}`,
        source: id,
        target: `net:${projectId}:${leg.network_id}`,
        label: ip,
        kind: gateway ? 'gateway' : 'interface',
        description: `${gateway ? 'gateway' : 'interface'} ${ip} of router ${name} on network ${net?.name ?? leg.network_id.slice(0, 8)}`,
      });
    }
    // The gateway port is the admin's to read; a member still knows the gateway from the router.
    if (gw && !legs.some((l) => l.device_owner === 'network:router_gateway')) {
      edges.push({
        id: `gw:${r.id}`,
        source: id,
        target: `net:${projectId}:${gw.network_id}`,
        label: gwIps.join(', '),
        kind: 'gateway',
        description: `gateway ${gwIps.join(', ')} of router ${name}`,
      });
    }
  }
  const networks: SceneNode[] = [];
  for (const nid of networkIds) {
    const n = cloud.networks.get(nid);
    if (!n) continue;
    networks.push(networkNode(cloud, n, projectId, cardsByNetwork.get(nid) ?? []));
  }
  networks.sort((a, b) => Number(b.kind === 'external') - Number(a.kind === 'external') || a.title.localeCompare(b.title));
  const present = new Set(networks.map((n) => n.id));
  // Wires point from the outside in: external network, router, then the project's networks.
  const wires = edges
    .filter((e) => present.has(e.target))
    .map((e) => (e.kind === 'gateway' ? { ...e, source: e.target, target: e.source } : e));
  const name = cloud.projectName(projectId);
  const instances = [...cardsByNetwork.values()].flat().filter((p) => p.device_owner.startsWith('compute:')).length;
  return {
    id: `project:${projectId}`,
    kind: 'project',
    title: `project ${name}`,
    lines: [],
    label: `project ${name}: ${networks.length} network${networks.length === 1 ? '' : 's'}, ${routerNodes.length} router${routerNodes.length === 1 ? '' : 's'}, ${instances} instance port${instances === 1 ? '' : 's'}`,
    refs: [`project:${projectId}`],
    tone: 'plain',
    children: [
      ...networks.filter((n) => n.kind === 'external'),
      ...routerNodes,
      ...networks.filter((n) => n.kind !== 'external'),
    ],
    arrange: 'layered-down',
    edges: wires,
  };
}
