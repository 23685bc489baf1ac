/**
 * An iptables rule of Quark's chains in plain words: a security group rule by its API meaning
 * (the rule id is in its comment), Neutron's own comments where the rule has one, NAT rules of
 * routers as floating IP, port forwarding and SNAT mappings, conntrack helper and metering
 * rules by what they do, and a generic reading of the matches otherwise.
 */
import { portForwardingWords } from '../model/port-forwarding.js';
import { METERING_CHAIN_PREFIX, meteringChain } from '../model/names.js';
import type { SecurityGroupRule } from '../model/resources.js';
import type { ObjectRef } from '../model/trace.js';
import { splitArgs } from './iptables-save.js';
import type { Labels } from './labels.js';

export interface RuleWords {
  readonly says: string;
  readonly refs: readonly ObjectRef[];
}

function option(args: readonly string[], name: string): string | null {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? null) : null;
}

function negated(args: readonly string[], name: string): boolean {
  return args[args.indexOf(name) - 1] === '!';
}

/** `ingress tcp/22 from 10.0.0.0/24`, as a security group rule reads in the API. */
export function sgRuleWords(
  r: SecurityGroupRule,
  groupLabel: (id: string) => string,
  addressGroupLabel: (id: string) => string = (id) => `address group ${id.slice(0, 8)}`,
): string {
  const proto = r.protocol ?? 'any protocol';
  const ports =
    r.port_range_min === null
      ? ''
      : r.protocol === 'icmp' || r.protocol === 'ipv6-icmp' || r.protocol === '1' || r.protocol === '58'
        ? ` type ${r.port_range_min}${r.port_range_max === null ? '' : ` code ${r.port_range_max}`}`
        : `/${r.port_range_min}${r.port_range_max !== null && r.port_range_max !== r.port_range_min ? `-${r.port_range_max}` : ''}`;
  const peer =
    r.remote_ip_prefix ??
    (r.remote_group_id
      ? `members of ${groupLabel(r.remote_group_id)}`
      : r.remote_address_group_id
        ? `the addresses of ${addressGroupLabel(r.remote_address_group_id)}`
        : 'anywhere');
  return `${r.direction} ${r.ethertype} ${proto}${ports} ${r.direction === 'ingress' ? 'from' : 'to'} ${peer}`;
}

function portRefs(labels: Labels, args: readonly string[]): ObjectRef[] {
  const out: ObjectRef[] = [];
  for (const name of ['--physdev-in', '--physdev-out', '-i', '-o']) {
    const device = option(args, name);
    const port = device ? labels.portOfDevice(device) : null;
    if (port) out.push({ kind: 'port', id: port.id });
  }
  return out;
}

/** The port forwarding a DNAT rule with ports implements, found by floating IP, protocol and external ports. */
function forwardingOf(labels: Labels, args: readonly string[]) {
  const fip = option(args, '-d')?.replace('/32', '');
  const protocol = option(args, '-p');
  const ports = option(args, '--dport');
  if (!fip || !protocol || !ports) return null;
  const range = ports.includes(':') ? ports : `${ports}:${ports}`;
  for (const pf of labels.replica.portForwardings?.values() ?? []) {
    const address = labels.replica.floatingips.get(pf.floatingip_id)?.floating_ip_address;
    if (address === fip && pf.protocol === protocol && pf.external_port_range === range) return pf;
  }
  return null;
}

function natWords(args: readonly string[], labels: Labels): string | null {
  const target = option(args, '-j');
  const to = option(args, '--to-destination') ?? option(args, '--to-source');
  if (target === 'DNAT' && option(args, '--dport')) {
    const pf = forwardingOf(labels, args);
    const fip = option(args, '-d')?.replace('/32', '') ?? '?';
    if (pf) return `${portForwardingWords(pf, fip)} (DNAT, ${labels.label({ kind: 'port_forwarding', id: pf.id })})`;
    return `${option(args, '-p')} to ${fip} port ${option(args, '--dport')} is forwarded to ${to} (DNAT)`;
  }
  if (target === 'DNAT') return `floating IP ${option(args, '-d')?.replace('/32', '')} is forwarded to fixed IP ${to} (DNAT)`;
  if (target === 'SNAT' && option(args, '-s'))
    return `fixed IP ${option(args, '-s')?.replace('/32', '')} leaves with its floating IP ${to} (SNAT)`;
  if (target === 'SNAT' && option(args, '--ctstate') === 'DNAT')
    return `traffic to a floating IP from inside the cloud leaves with the gateway address ${to}, so replies come back through the router (hairpin SNAT)`;
  if (target === 'SNAT') {
    const dev = option(args, '-o');
    const port = dev ? labels.portOfDevice(dev) : null;
    return `everything else leaving through ${dev}${port ? ` (${labels.label({ kind: 'port', id: port.id })})` : ''} takes the gateway address ${to} (SNAT)`;
  }
  if (target === 'ACCEPT' && negated(args, '-o') && negated(args, '--ctstate'))
    return `traffic that does not leave through the gateway ${option(args, '-o')} is not NATed (between the router's own subnets)`;
  if (target === 'MARK')
    return `marks packets arriving from the external network on ${option(args, '-i')} (${option(args, '--set-xmark')})`;
  return null;
}

function genericWords(args: readonly string[]): string {
  const parts: string[] = [];
  const not = (name: string) => (negated(args, name) ? 'not ' : '');
  const say = (name: string, words: string) => {
    const v = option(args, name);
    if (v !== null) parts.push(`${not(name)}${words} ${v}`);
  };
  say('-s', 'from');
  say('-d', 'to');
  say('-p', 'protocol');
  say('-i', 'in on');
  say('-o', 'out on');
  say('--physdev-in', 'entering the bridge from');
  say('--physdev-out', 'leaving the bridge to');
  say('--dport', 'to port');
  say('--state', 'in state');
  say('--ctstate', 'in conntrack state');
  say('--match-set', 'address in set');
  const target = option(args, '-j') ?? option(args, '-g');
  const what = parts.length > 0 ? parts.join(', ') : 'everything';
  const does: Readonly<Record<string, string>> = {
    RETURN: 'allowed (RETURN)',
    ACCEPT: 'accepted',
    DROP: 'dropped',
    REJECT: 'rejected',
  };
  const goes =
    target === null
      ? 'counted'
      : (does[target] ?? `on to chain ${target}${args.includes('-g') ? ' (goto: its RETURN skips back past this chain)' : ''}`);
  return `${what}: ${goes}`;
}

/** The floating IP (and its port) a NAT rule maps, found by address. */
function floatingRefs(labels: Labels, args: readonly string[]): ObjectRef[] {
  const addresses = [option(args, '-d'), option(args, '-s'), option(args, '--to-source'), option(args, '--to-destination')]
    .filter((a): a is string => a !== null)
    .map((a) => a.replace(/\/32$/, ''));
  const out: ObjectRef[] = [];
  for (const f of labels.replica.floatingips.values()) {
    if (!addresses.includes(f.floating_ip_address)) continue;
    out.push({ kind: 'floatingip', id: f.id });
    if (f.port_id) out.push({ kind: 'port', id: f.port_id });
  }
  return out;
}

/** Words and objects for one rule (`text` as iptables-save prints it after `-A <chain>`). */
export function describeRule(labels: Labels, text: string): RuleWords {
  const args = splitArgs(text);
  const comment = option(args, '--comment');
  const refs = portRefs(labels, args);
  const ruleId = comment?.startsWith('rule ') ? comment.slice(5) : null;
  if (ruleId) {
    const r = labels.replica.securityGroupRules.get(ruleId);
    const group = (id: string) => labels.label({ kind: 'security_group', id });
    const addressGroup = (id: string) => labels.label({ kind: 'address_group', id });
    const says = r
      ? `${group(r.security_group_id)} allows ${sgRuleWords(r, group, addressGroup)} (rule ${ruleId.slice(0, 8)})`
      : `allows what rule ${ruleId} allows (a rule this host no longer knows)`;
    const ruleRefs: ObjectRef[] = [{ kind: 'security_group_rule', id: ruleId }];
    if (r) ruleRefs.push({ kind: 'security_group', id: r.security_group_id });
    if (r?.remote_address_group_id) ruleRefs.push({ kind: 'address_group', id: r.remote_address_group_id });
    return { says, refs: [...ruleRefs, ...refs] };
  }
  const nflog = option(args, '--nflog-prefix');
  if (nflog) {
    const [action, , rule, device] = nflog.split(' ');
    const port = device ? labels.portOfDevice(device) : null;
    const logged: ObjectRef[] = port ? [{ kind: 'port', id: port.id }] : [];
    const what = action === 'A' ? `the connections rule ${rule?.slice(0, 8)} allows` : 'what no rule allows';
    return { says: `logs ${what} for the network logs of ${logged[0] ? labels.label(logged[0]) : 'this port'}`, refs: logged };
  }
  if (args.includes('--notrack')) {
    return { says: `${refs[0] ? labels.label(refs[0]) : 'this device'} is stateless: its packets are not tracked`, refs };
  }
  const zone = option(args, '--zone');
  if (zone)
    return {
      says: `connections of ${refs[0] ? labels.label(refs[0]) : 'this device'} are tracked in conntrack zone ${zone}`,
      refs,
    };
  const nat = natWords(args, labels);
  if (nat) {
    const pf = option(args, '--dport') ? forwardingOf(labels, args) : null;
    const forwarding: ObjectRef[] = pf ? [{ kind: 'port_forwarding', id: pf.id }] : [];
    return { says: nat, refs: [...forwarding, ...refs, ...floatingRefs(labels, args)] };
  }
  const helper = option(args, '--helper');
  if (helper) {
    return {
      says: `connections to ${option(args, '-p')}/${option(args, '--dport')} are handed to the kernel's ${helper} helper, which follows the connections it announces (conntrack helper)`,
      refs,
    };
  }
  const counter = option(args, '-j');
  if (counter?.startsWith(`${METERING_CHAIN_PREFIX}l-`)) {
    const label = [...(labels.replica.meteringLabels?.values() ?? [])].find((l) => meteringChain('l', l.id) === counter);
    const name = label ? labels.label({ kind: 'metering_label', id: label.id }) : `metering label ${counter}`;
    return {
      says: `${genericWords(args).replace(/: on to chain .*$/, '')}: counted for ${name}`,
      refs: [...(label ? [{ kind: 'metering_label', id: label.id } as const] : []), ...refs],
    };
  }
  if (comment) {
    const who = refs[0] ? ` (${labels.label(refs[0])})` : '';
    return { says: `${comment.replace(/\.$/, '')}${who}`, refs };
  }
  return { says: genericWords(args), refs };
}
