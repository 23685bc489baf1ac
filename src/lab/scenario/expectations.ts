/**
 * Expectations: who sends what to whom, and whether it must arrive. Their ends are checked
 * against the world at their point of the file: an instance that exists and can send, a
 * floating IP that exists (`vm3.floating` only while vm3 has one), a router that has a gateway.
 */
import { formatIp, parseIp } from '../../model/ip/address.js';
import type { Located, Path } from './located.js';
import type { ExpectationFile } from './schema.js';
import type { ScenarioExpectation, ScenarioTarget } from './types.js';
import type { World } from './world.js';

const FLOATING = '.floating';

/** What `text` names as a destination before names are looked up (a bare name may still be a floating IP's). */
function targetOf(text: string): Exclude<ScenarioTarget, { kind: 'floating-ip' }> {
  if (text === 'internet') return { kind: 'internet' };
  const ip = parseIp(text);
  if (ip) return { kind: 'address', address: formatIp(ip) };
  if (text.endsWith(FLOATING)) return { kind: 'floating-of', instance: text.slice(0, -FLOATING.length) };
  return { kind: 'instance', instance: text };
}

function checkTarget(at: Located, path: Path, text: string, world: World, ipVersion: 4 | 6): ScenarioTarget {
  const t = targetOf(text);
  if (t.kind === 'internet' || t.kind === 'address') return t;
  if (t.kind === 'floating-of') {
    if (!world.instances.has(t.instance)) at.fail(path, `no instance '${t.instance}' (in '${text}')`);
    if (ipVersion === 6) at.fail(path, 'floating IPs are IPv4');
    if (world.floatingOf(t.instance) === null) at.fail(path, `${t.instance} has no floating IP at this point of the scenario`);
    return t;
  }
  const fip = world.floatingIps.get(t.instance);
  if (fip?.named) {
    if (ipVersion === 6) at.fail(path, 'floating IPs are IPv4');
    return { kind: 'floating-ip', key: t.instance };
  }
  if (!world.instances.has(t.instance))
    at.fail(path, `'${text}' is not an instance, NAME.floating, a floating IP's name, an address or 'internet'`);
  return t;
}

function checkSource(at: Located, path: Path, source: string, from: string, world: World): void {
  if (source === 'self' || parseIp(source)) return;
  if (source === 'floating') {
    if (from === 'internet' || world.floatingOf(from) === null)
      at.fail(path, `source: floating, but ${from} has no floating IP at this point of the scenario`);
    return;
  }
  if (source.startsWith('router:')) {
    const router = world.routers.get(source.slice('router:'.length));
    if (!router?.gateway) at.fail(path, `no router '${source.slice('router:'.length)}' with an external gateway`);
    return;
  }
  at.fail(path, 'source must be floating, self, router:NAME or an address');
}

export function readExpectation(at: Located, p: Path, e: ExpectationFile, world: World): ScenarioExpectation {
  const ipVersion = e.ip_version ?? 4;
  if (e.from !== 'internet') {
    if (!world.instances.has(e.from)) at.fail([...p, 'from'], `'${e.from}' is neither an instance nor 'internet'`);
    const why = world.cannotSend(e.from);
    if (why) at.fail([...p, 'from'], why);
  }
  const target = checkTarget(at, [...p, 'to'], e.to, world, ipVersion);
  if (target.kind === 'address' && (parseIp(target.address)?.version ?? 4) !== ipVersion)
    at.fail([...p, 'to'], `${e.to} is not an IPv${ipVersion} address (ip_version: ${ipVersion})`);
  const protocol = e.protocol ?? 'icmp';
  if (protocol !== 'icmp' && e.port === undefined) at.fail(p, `a ${protocol} expectation needs a port`);
  if (protocol === 'icmp' && e.port !== undefined) at.fail([...p, 'port'], "'port' is for tcp and udp expectations");
  if (e.source !== undefined) checkSource(at, [...p, 'source'], e.source, e.from, world);
  return {
    from: e.from,
    to: e.to,
    target,
    protocol,
    port: e.port ?? null,
    ipVersion,
    result: e.result,
    source: e.source ?? null,
    line: at.line(p),
  };
}
