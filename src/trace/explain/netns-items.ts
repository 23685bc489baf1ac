/**
 * Explain's Linux section: the host's namespaces (the agent's qdhcp and qrouter ones, and any
 * other), the hybrid plug's devices (tap, qbr, qvb, qvo) of each instance port, the devices,
 * addresses and static routes inside the agent's namespaces, its floating IPs and the dnsmasq
 * of each network it serves (process and host reservations), each against the plan.
 */
import { basename } from 'node:path';
import type { HostItem, ItemStatus } from '../../model/explain.js';
import type { ObjectRef } from '../../model/trace.js';
import type { ExplainView } from '../host-view.js';
import { namespaceOwner } from '../../model/names.js';

const HYBRID: Readonly<Record<string, string>> = {
  tap: 'the instance’s interface, in its qbr bridge',
  qbr: 'Linux bridge of the hybrid plug, where iptables filters the port',
  qvb: 'veth end in qbr',
  qvo: 'veth end on br-int',
};

async function namespaceItems(view: ExplainView): Promise<HostItem[]> {
  const have = new Set(await view.namespaces());
  const out: HostItem[] = [];
  for (const ns of view.plan.namespaces) {
    const o = ns.origin;
    const owner: ObjectRef = o.kind === 'host' ? { kind: 'host', id: view.host } : { kind: o.kind, id: o.id };
    const what = namespaceOwner(ns.name)?.kind === 'network' ? 'DHCP server namespace of' : 'namespace of';
    out.push({
      section: 'namespace',
      where: 'netns',
      text: `netns ${ns.name}`,
      says: `${what} ${view.labels.label(owner)}`,
      owners: [owner],
      status: have.has(ns.name) ? 'ok' : 'missing',
    });
    have.delete(ns.name);
  }
  for (const name of have) {
    const owner = namespaceOwner(name);
    if (owner) {
      out.push({
        section: 'namespace',
        where: 'netns',
        text: `netns ${name}`,
        says: `named for ${view.labels.label(owner)}, which this host no longer serves`,
        owners: [owner],
        status: 'stale',
      });
      continue;
    }
    const links = (await view.interfaces(name).catch(() => ({ links: [] }))).links;
    const port = links.flatMap((l) => view.labels.portsByMac(l.address)).find((p) => p['binding:host_id'] === view.host);
    const owners: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    const says = port
      ? `an instance’s namespace: holds the interface of ${view.labels.label(owners[0]!)} (plugged by its owner, not the agent)`
      : 'not Quark’s';
    out.push({ section: 'namespace', where: 'netns', text: `netns ${name}`, says, owners, status: 'foreign' });
  }
  return out;
}

async function hybridDevices(view: ExplainView): Promise<HostItem[]> {
  // A Linux bridge host's taps are the Linux bridge section's (linuxbridge-items.ts).
  if (view.settings.mechanism === 'linuxbridge') return [];
  const { links } = await view.interfaces(null);
  const served = new Set(view.plan.firewallPorts.map((p) => p.portId));
  const out: HostItem[] = [];
  for (const l of links) {
    const prefix = l.ifname.slice(0, 3);
    if (!HYBRID[prefix]) continue;
    const port = view.labels.portOfDevice(l.ifname);
    const isService = view.plan.servicePorts.some((s) => s.bridgePort === l.ifname);
    if (isService) continue;
    const owners: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    const status: ItemStatus = port && served.has(port.id) ? 'ok' : 'stale';
    const of = port ? view.labels.label(owners[0]!) : 'a port this host does not serve';
    out.push({
      section: 'device',
      where: 'host',
      text: `${l.ifname} mtu ${l.mtu} ${l.operstate}${l.master ? ` master ${l.master}` : ''}`,
      says: `${HYBRID[prefix]} (${of})`,
      owners,
      status,
    });
  }
  return out;
}

async function servicePortItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  for (const ns of view.plan.namespaces) {
    const observed = await view.interfaces(ns.name).catch(() => ({ links: [], addresses: [] }));
    for (const s of view.plan.servicePorts.filter((x) => x.netns === ns.name)) {
      const owners: ObjectRef[] = [{ kind: 'port', id: s.portId }];
      const link = observed.links.find((l) => l.ifname === s.device);
      const differs = link && (link.address !== s.mac || link.mtu !== s.mtu);
      const status: ItemStatus = !link ? 'missing' : differs ? 'differs' : 'ok';
      const text = `[${ns.name}] ${s.device} link/ether ${link?.address ?? s.mac} mtu ${link?.mtu ?? s.mtu}`;
      const wants = differs ? `; the plan wants ${s.mac} mtu ${s.mtu}` : '';
      out.push({
        section: 'device',
        where: `netns ${ns.name}`,
        text,
        says: `${view.labels.label(owners[0]!)}, veth peer of ${s.bridgePort} on ${s.bridge}${wants}`,
        owners,
        status,
      });
      const have = new Set(observed.addresses.filter((a) => a.ifname === s.device && a.scope === 'global').map((a) => a.cidr));
      for (const a of s.addresses) {
        const fip = view.plan.floatingIps.find((f) => f.netns === ns.name && `${f.floatingIpAddress}/32` === a);
        const forwarded = fip
          ? []
          : (view.plan.portForwardings ?? []).filter((f) => f.netns === ns.name && `${f.floatingIpAddress}/32` === a);
        const fipOwners: ObjectRef[] = fip
          ? [fip.origin.kind === 'floatingip' ? { kind: 'floatingip', id: fip.origin.id } : owners[0]!]
          : forwarded.length > 0
            ? [
                { kind: 'floatingip', id: forwarded[0]!.floatingIpId },
                ...forwarded.map((f): ObjectRef => ({ kind: 'port_forwarding', id: f.origin.id })),
              ]
            : [];
        const says = fip
          ? `floating IP ${fip.floatingIpAddress} of fixed IP ${fip.fixedIpAddress}, answered here`
          : forwarded.length > 0
            ? `floating IP ${forwarded[0]!.floatingIpAddress} of ${forwarded.length} port forwarding(s), answered here`
            : `address of ${view.labels.label(owners[0]!)}`;
        out.push({
          section: 'address',
          where: `netns ${ns.name}`,
          text: `[${ns.name}] inet ${a} dev ${s.device}`,
          says,
          owners: [...owners, ...fipOwners],
          status: have.has(a) ? 'ok' : 'missing',
        });
        have.delete(a);
      }
      for (const a of have)
        out.push({
          section: 'address',
          where: `netns ${ns.name}`,
          text: `[${ns.name}] inet ${a} dev ${s.device}`,
          says: 'an address the plan does not have',
          owners,
          status: 'extra',
        });
    }
  }
  return out;
}

async function routeItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  for (const ns of view.plan.namespaces) {
    const o = ns.origin;
    const owner: ObjectRef[] = o.kind === 'host' ? [] : [{ kind: o.kind, id: o.id }];
    const have = (await view.routes(ns.name).catch(() => [])).filter((r) => r.protocol === 'static');
    const key = (d: string, via: string | null, dev: string | null) => `${d} via ${via ?? '-'} dev ${dev ?? '-'}`;
    const haveKeys = new Set(have.map((r) => key(r.dst, r.gateway ?? null, r.dev ?? null)));
    const line = (d: string, via: string | null, dev: string | null) =>
      `[${ns.name}] ${d}${via ? ` via ${via}` : ''}${dev ? ` dev ${dev}` : ''}`;
    for (const r of view.plan.routes.filter((x) => x.netns === ns.name)) {
      const k = key(r.destination, r.via, r.device);
      const says =
        r.destination === 'default' ? `default route via ${r.via}` : `route to ${r.destination} via ${r.via ?? r.device}`;
      out.push({
        section: 'route',
        where: `netns ${ns.name}`,
        text: line(r.destination, r.via, r.device),
        says,
        owners: owner,
        status: haveKeys.has(k) ? 'ok' : 'missing',
      });
      haveKeys.delete(k);
    }
    for (const r of have) {
      if (!haveKeys.has(key(r.dst, r.gateway ?? null, r.dev ?? null))) continue;
      out.push({
        section: 'route',
        where: `netns ${ns.name}`,
        text: line(r.dst, r.gateway ?? null, r.dev ?? null),
        says: 'a static route the plan does not have',
        owners: owner,
        status: 'extra',
      });
    }
  }
  return out;
}

async function dnsmasqItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  const planned = new Set(view.plan.dnsmasq.map((d) => d.dir));
  for (const dir of await view.dnsmasqDirs()) {
    const running = planned.has(dir) ? null : await view.dnsmasq(dir);
    if (!running) continue;
    // A DHCP server still running for a network the host no longer serves (the next full resync stops it).
    const net: ObjectRef = { kind: 'network', id: basename(dir) };
    out.push({
      section: 'process',
      where: `dhcp state ${dir}`,
      text: `dnsmasq pid ${running.pid} for network ${basename(dir)}`,
      says: `DHCP server of ${view.labels.label(net)}, which this host no longer serves`,
      owners: [net],
      status: 'stale',
    });
  }
  for (const d of view.plan.dnsmasq) {
    const net: ObjectRef = { kind: 'network', id: d.networkId };
    const running = await view.dnsmasq(d.dir);
    const sameArgs = running && running.args.join(' ') === d.args.join(' ');
    const status: ItemStatus = !running ? 'missing' : sameArgs ? 'ok' : 'differs';
    const text = running ? `dnsmasq pid ${running.pid} in ${d.netns} on ${d.device}` : `dnsmasq in ${d.netns} on ${d.device}`;
    const says = !running
      ? `DHCP server of ${view.labels.label(net)}: not running`
      : `DHCP server of ${view.labels.label(net)}${sameArgs ? '' : ' (runs with another command line than planned)'}`;
    out.push({ section: 'process', where: `netns ${d.netns}`, text, says, owners: [net], status });
    const file = await view.file(`${d.dir}/host`);
    const have = new Set((file ?? '').split('\n').filter(Boolean));
    for (const line of (d.files.host ?? '').split('\n').filter(Boolean)) {
      const [mac, name, ip] = line.split(',');
      const ports = view.labels.portsByMac(mac ?? '').filter((p) => p.network_id === d.networkId);
      const owners: ObjectRef[] = ports.length > 0 ? ports.map((p) => ({ kind: 'port', id: p.id }) as const) : [net];
      const who = ports[0] ? view.labels.label({ kind: 'port', id: ports[0].id }) : mac;
      out.push({
        section: 'dnsmasq',
        where: `${d.dir}/host`,
        text: line,
        says: `${who} gets ${ip} (${name}) by DHCP`,
        owners,
        status: have.has(line) ? 'ok' : 'missing',
      });
      have.delete(line);
    }
    for (const line of have)
      out.push({
        section: 'dnsmasq',
        where: `${d.dir}/host`,
        text: line,
        says: 'a reservation the plan does not have',
        owners: [net],
        status: 'extra',
      });
  }
  return out;
}

const DAEMON_WORDS = { radvd: 'router advertisements', haproxy: 'metadata proxy' } as const;

/** Each planned radvd and metadata proxy: running with the planned command line and configuration. */
async function daemonItems(view: ExplainView): Promise<HostItem[]> {
  const out: HostItem[] = [];
  for (const d of view.plan.daemons) {
    const owner: ObjectRef =
      d.origin.kind === 'host' ? { kind: 'host', id: view.host } : { kind: d.origin.kind, id: d.origin.id };
    const what = `${DAEMON_WORDS[d.service]} of ${view.labels.label(owner)}`;
    const running = await view.daemon(d.dir);
    const sameArgv = running !== null && running.argv.join(' ') === d.argv.join(' ');
    out.push({
      section: 'process',
      where: `netns ${d.netns}`,
      text: running ? `${d.service} pid ${running.pid} in ${d.netns}` : `${d.service} in ${d.netns}`,
      says: !running ? `${what}: not running` : `${what}${sameArgv ? '' : ' (runs with another command line than planned)'}`,
      owners: [owner],
      status: !running ? 'missing' : sameArgv ? 'ok' : 'differs',
    });
    for (const [name, content] of Object.entries(d.files)) {
      const have = await view.file(`${d.dir}/${name}`);
      out.push({
        section: 'process',
        where: `${d.dir}/${name}`,
        text: `${d.dir}/${name}`,
        says: `the configuration of the ${what}`,
        owners: [owner],
        status: have === null ? 'missing' : have === content ? 'ok' : 'differs',
      });
    }
  }
  return out;
}

export async function netnsItems(view: ExplainView): Promise<HostItem[]> {
  const parts = await Promise.all([
    namespaceItems(view),
    hybridDevices(view),
    servicePortItems(view),
    routeItems(view),
    dnsmasqItems(view),
    daemonItems(view),
  ]);
  return parts.flat();
}
