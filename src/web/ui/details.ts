/**
 * The details panel: everything about the selected element, as text — the API record of a
 * port, router or network (with its security group rules), or every item a host's agent
 * reported for a physical element, drift first, in the host's own syntax.
 */
import type { HostItem } from '../../model/explain.js';
import type { Cloud } from '../cloud.js';
import { esc } from '../html.js';
import { isDrift } from '../physical.js';
import type { SceneNode } from '../scene.js';

function dl(rows: readonly (readonly [string, unknown])[]): string {
  return `<dl>${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

export interface TraceButtons {
  /** Whether the caller may trace (admins). */
  readonly enabled: boolean;
}

function portDetails(cloud: Cloud, id: string, trace: TraceButtons): string {
  const p = cloud.ports.get(id);
  if (!p) return '<p>This port is gone.</p>';
  const floating = cloud.floatingOf(p.id);
  const rules = p.security_groups.flatMap((g) =>
    [...cloud.securityGroupRules.values()]
      .filter((r) => r.security_group_id === g)
      .map(
        (r) =>
          `${cloud.securityGroupName(g)}: ${r.direction} ${r.ethertype} ${r.protocol ?? 'any'}${r.port_range_min !== null ? ` ${r.port_range_min}${r.port_range_max !== r.port_range_min ? `-${r.port_range_max}` : ''}` : ''} from ${r.remote_ip_prefix ?? (r.remote_group_id ? `group ${cloud.securityGroupName(r.remote_group_id)}` : 'any')}`,
      ),
  );
  const buttons = trace.enabled
    ? `<p class="actions"><button type="button" data-trace-from="${esc(p.id)}">Trace from here</button> <button type="button" data-trace-to="${esc(p.id)}">Trace to here</button>${floating
        .map(
          (f) =>
            ` <button type="button" data-trace-to="${esc(f.floating_ip_address)}">Trace to floating IP ${esc(f.floating_ip_address)}</button>`,
        )
        .join('')}</p>`
    : '';
  return `<h2>port ${esc(cloud.portName(p))}</h2>${dl([
    ['status', p.status],
    ['project', cloud.projectName(p.project_id)],
    ['network', cloud.networks.get(p.network_id)?.name ?? p.network_id],
    ['fixed IPs', p.fixed_ips.map((f) => f.ip_address).join(', ') || 'none'],
    ['floating IPs', floating.map((f) => f.floating_ip_address).join(', ') || 'none'],
    ['MAC', p.mac_address],
    ['owner', p.device_owner || '—'],
    ['device', p.device_id || '—'],
    ...(p['binding:host_id'] !== undefined ? ([['host', p['binding:host_id'] || 'unbound']] as const) : []),
    ['security groups', p.security_groups.map((g) => cloud.securityGroupName(g)).join(', ') || 'none'],
    ['id', p.id],
  ])}${buttons}${rules.length > 0 ? `<h3>Security group rules</h3><ul>${rules.map((r) => `<li>${esc(r)}</li>`).join('')}</ul>` : ''}`;
}

function routerDetails(cloud: Cloud, id: string): string {
  const r = cloud.routers.get(id);
  if (!r) return '<p>This router is gone.</p>';
  const legs = [...cloud.ports.values()].filter((p) => p.device_id === r.id);
  return `<h2>router ${esc(r.name || r.id.slice(0, 8))}</h2>${dl([
    ['status', r.status],
    ['project', cloud.projectName(r.project_id)],
    [
      'gateway',
      r.external_gateway_info
        ? `${cloud.networks.get(r.external_gateway_info.network_id)?.name ?? r.external_gateway_info.network_id} ${r.external_gateway_info.external_fixed_ips.map((f) => f.ip_address).join(', ')}${r.external_gateway_info.enable_snat ? ' (SNAT)' : ''}`
        : 'none',
    ],
    [
      'interfaces',
      legs
        .map(
          (l) =>
            `${l.fixed_ips.map((f) => f.ip_address).join(', ')} on ${cloud.networks.get(l.network_id)?.name ?? l.network_id}`,
        )
        .join('; ') || 'none',
    ],
    ['routes', r.routes.map((x) => `${x.destination} via ${x.nexthop}`).join('; ') || 'none'],
    ['id', r.id],
  ])}`;
}

function networkDetails(cloud: Cloud, id: string): string {
  const n = cloud.networks.get(id);
  if (!n) return '<p>This network is gone.</p>';
  const subnets = [...cloud.subnets.values()].filter((s) => s.network_id === id);
  return `<h2>network ${esc(n.name || n.id.slice(0, 8))}</h2>${dl([
    ['status', n.status],
    ['project', cloud.projectName(n.project_id)],
    [
      'subnets',
      subnets.map((s) => `${s.cidr} gateway ${s.gateway_ip ?? 'none'}${s.enable_dhcp ? ', DHCP' : ''}`).join('; ') || 'none',
    ],
    ['shared', n.shared ? 'yes' : 'no'],
    ['external', n['router:external'] ? 'yes' : 'no'],
    ['MTU', n.mtu],
    ...(n['provider:network_type'] !== undefined
      ? ([
          [
            'segment',
            `${n['provider:network_type']} ${n['provider:physical_network'] ?? ''} ${n['provider:segmentation_id'] ?? ''}`,
          ],
        ] as const)
      : []),
    ['id', n.id],
  ])}`;
}

function itemsList(items: readonly HostItem[]): string {
  const sorted = [...items].sort((a, b) => Number(isDrift(b)) - Number(isDrift(a)));
  const drift = sorted.filter(isDrift).length;
  return `<h3>${items.length} item${items.length === 1 ? '' : 's'} on the host${drift > 0 ? `, ${drift} drifted from the plan` : ''}</h3><ul class="items">${sorted
    .map(
      (i) =>
        `<li class="${isDrift(i) ? 'drift' : ''}"><strong>${esc(i.status.toUpperCase())}</strong> <code>${esc(i.text)}</code><br>${esc(i.says)}${i.packets !== undefined ? ` <span class="hint">[${i.packets} packets]</span>` : ''}</li>`,
    )
    .join('')}</ul>`;
}

export function detailsHtml(cloud: Cloud, node: SceneNode, items: readonly HostItem[] | undefined, trace: TraceButtons): string {
  const [kind, id] = [node.refs[0]?.split(':')[0], node.refs[0]?.split(':').slice(1).join(':')];
  let body: string;
  if (node.kind === 'port' && id) body = portDetails(cloud, id, trace);
  else if (node.kind === 'router' && id) body = routerDetails(cloud, id);
  else if ((node.kind === 'network' || node.kind === 'external') && id) body = networkDetails(cloud, id);
  else
    body = `<h2>${esc(node.title)}</h2><p>${esc(node.label)}</p>${node.lines.length > 0 ? `<ul>${node.lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>` : ''}`;
  if (node.kind === 'vif' && kind === 'port' && id)
    body += portDetails(cloud, id, trace).replace(/^<h2>[^<]*<\/h2>/, '<h3>The API port</h3>');
  if (items && items.length > 0) body += itemsList(items);
  return body;
}
