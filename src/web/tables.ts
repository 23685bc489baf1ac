/**
 * The table view: the same data as the pictures, as plain HTML tables a screen reader or a
 * keyboard user reads row by row (and a script can scrape): projects' networks, subnets,
 * ports, routers, floating IPs, security groups; for admins the agents and every item the
 * hosts' agents reported, drift first.
 */
import type { HostItem } from '../model/explain.js';
import type { Cloud } from './cloud.js';
import { esc } from './html.js';
import { isDrift } from './physical.js';

function table(caption: string, id: string, head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map(
    (r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
  );
  return `<table id="${id}"><caption>${esc(caption)} (${rows.length})</caption><thead><tr>${th}</tr></thead><tbody>${body.join('')}</tbody></table>`;
}

const networkName = (cloud: Cloud, id: string) => cloud.networks.get(id)?.name || id.slice(0, 8);

function portsTable(cloud: Cloud, isAdmin: boolean): string {
  const netName = (id: string) => networkName(cloud, id);
  return table(
    'Ports',
    'table-ports',
    [
      'name',
      'project',
      'network',
      'fixed IPs',
      'floating IPs',
      'status',
      'security groups',
      'owner',
      ...(isAdmin ? ['host'] : []),
      'MAC',
      'id',
    ],
    [...cloud.ports.values()].map((p) => [
      cloud.portName(p),
      cloud.projectName(p.project_id),
      netName(p.network_id),
      p.fixed_ips.map((f) => f.ip_address).join(' '),
      cloud
        .floatingOf(p.id)
        .map((f) => f.floating_ip_address)
        .join(' '),
      p.status,
      p.security_groups.map((g) => cloud.securityGroupName(g)).join(' '),
      p.device_owner,
      ...(isAdmin ? [p['binding:host_id'] ?? ''] : []),
      p.mac_address,
      p.id,
    ]),
  );
}

function routersTable(cloud: Cloud): string {
  const netName = (id: string) => networkName(cloud, id);
  return table(
    'Routers',
    'table-routers',
    ['name', 'project', 'status', 'external gateway', 'interfaces', 'id'],
    [...cloud.routers.values()].map((r) => [
      r.name || r.id.slice(0, 8),
      cloud.projectName(r.project_id),
      r.status,
      r.external_gateway_info
        ? `${netName(r.external_gateway_info.network_id)} ${r.external_gateway_info.external_fixed_ips.map((f) => f.ip_address).join(' ')}`
        : '',
      [...cloud.ports.values()]
        .filter(
          (p) =>
            p.device_id === r.id &&
            (p.device_owner === 'network:router_interface' || p.device_owner === 'network:ha_router_replicated_interface'),
        )
        .map((p) => p.fixed_ips.map((f) => f.ip_address).join(' '))
        .join(', '),
      r.id,
    ]),
  );
}

/** The tables of the view: the projects' objects, then for admins the agents and the hosts' items. */
export function tablesHtml(cloud: Cloud, isAdmin: boolean): string {
  return [...projectTables(cloud, isAdmin), ...(isAdmin ? adminTables(cloud) : [])].join('');
}

/** Networks, subnets, ports, routers, floating IPs and security groups the caller sees. */
function projectTables(cloud: Cloud, isAdmin: boolean): string[] {
  const netName = (id: string) => networkName(cloud, id);
  const out: string[] = [];
  out.push(
    table(
      'Networks',
      'table-networks',
      ['name', 'project', 'subnets', 'status', 'shared', 'external', 'type', 'id'],
      [...cloud.networks.values()].map((n) => [
        n.name || n.id.slice(0, 8),
        cloud.projectName(n.project_id),
        cloud.subnetCidrs(n).join(' '),
        n.status,
        n.shared ? 'yes' : 'no',
        n['router:external'] ? 'yes' : 'no',
        n['provider:network_type'] ?? '',
        n.id,
      ]),
    ),
    table(
      'Subnets',
      'table-subnets',
      ['name', 'network', 'cidr', 'gateway', 'DHCP', 'id'],
      [...cloud.subnets.values()].map((s) => [
        s.name || s.id.slice(0, 8),
        netName(s.network_id),
        s.cidr,
        s.gateway_ip ?? '',
        s.enable_dhcp ? 'yes' : 'no',
        s.id,
      ]),
    ),
    portsTable(cloud, isAdmin),
    routersTable(cloud),
    table(
      'Floating IPs',
      'table-floatingips',
      ['address', 'project', 'fixed IP', 'port', 'status', 'id'],
      [...cloud.floatingips.values()].map((f) => {
        const port = f.port_id ? cloud.ports.get(f.port_id) : undefined;
        return [
          f.floating_ip_address,
          cloud.projectName(f.project_id),
          f.fixed_ip_address ?? '',
          port ? cloud.portName(port) : (f.port_id ?? ''),
          f.status,
          f.id,
        ];
      }),
    ),
    table(
      'Security group rules',
      'table-rules',
      ['group', 'project', 'direction', 'ethertype', 'protocol', 'ports', 'remote', 'id'],
      [...cloud.securityGroupRules.values()].map((r) => [
        cloud.securityGroupName(r.security_group_id),
        cloud.projectName(r.project_id),
        r.direction,
        r.ethertype,
        r.protocol ?? 'any',
        r.port_range_min === null
          ? 'any'
          : r.port_range_min === r.port_range_max
            ? String(r.port_range_min)
            : `${r.port_range_min}-${r.port_range_max}`,
        r.remote_ip_prefix ?? (r.remote_group_id ? `group ${cloud.securityGroupName(r.remote_group_id)}` : 'any'),
        r.id,
      ]),
    ),
  );
  return out;
}

/** The agents, and every item the hosts' agents reported, drift first. */
function adminTables(cloud: Cloud): string[] {
  const out: string[] = [];
  out.push(
    table(
      'Agents',
      'table-agents',
      ['host', 'type', 'alive', 'last heartbeat', 'tunnel address', 'id'],
      [...cloud.agents.values()].map((a) => [
        a.host,
        a.agent_type,
        a.alive ? 'alive' : 'DOWN',
        a.heartbeat_timestamp,
        String(a.configurations.tunneling_ip ?? ''),
        a.id,
      ]),
    ),
  );
  const items: [string, HostItem][] = [];
  // Flows, rules and set members are many (tens per port); they are listed here when drifted,
  // and all of them in the details of the element they belong to.
  const bulky = new Set(['flow', 'iptables', 'ipset']);
  for (const [host, h] of cloud.hosts) for (const i of h.items) if (isDrift(i) || !bulky.has(i.section)) items.push([host, i]);
  items.sort((a, b) => Number(isDrift(b[1])) - Number(isDrift(a[1])));
  out.push(
    table(
      'What the hosts have (explain host): drift first, flows and rules when drifted',
      'table-host-items',
      ['host', 'status', 'section', 'where', 'item', 'what it does'],
      items.map(([host, i]) => [host, i.status.toUpperCase(), i.section, i.where, i.text, i.says]),
    ),
  );
  return out;
}
