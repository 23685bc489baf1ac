/**
 * Security group rules of a scenario, checked at parse time as Neutron will check them (so
 * `lab up` never fails halfway on a rule), plus what the API cannot know: that `remote_group`
 * names a group of the project. A misspelt group must never become a rule open to everyone.
 * ICMP rules take `type` and `code` (Neutron's port_range_min and port_range_max); `port` is
 * refused for them, since it would set the code too and block ordinary pings.
 */
import { QuarkError } from '../../model/errors.js';
import {
  canonicalProtocol,
  checkRule,
  normalizeIpPrefix,
  normalizeProtocol,
  protocolNumber,
} from '../../model/security-group-rule.js';
import type { Located, Path } from './located.js';
import type { RuleFile } from './schema.js';
import type { ScenarioRule } from './types.js';

const ICMP = [1, 58];

/** Runs a model check; its QuarkError becomes the scenario's error at `path`. */
function neutronCheck<T>(at: Located, path: Path, check: () => T): T {
  try {
    return check();
  } catch (e) {
    if (e instanceof QuarkError) at.fail(path, `${e.message} (as Neutron would answer)`);
    throw e;
  }
}

/** Reads one rule; `groups` are the names of the project's security groups. */
export function readRule(at: Located, path: Path, r: RuleFile, project: string, groups: readonly string[]): ScenarioRule {
  const protocol = neutronCheck(at, [...path, 'protocol'], () => normalizeProtocol(r.protocol));
  const number = protocolNumber(protocol);
  const icmp = number !== null && ICMP.includes(number);
  let min: number | null;
  let max: number | null;
  if (icmp) {
    for (const key of ['port', 'port_max'] as const) {
      if (r[key] !== undefined)
        at.fail(
          [...path, key],
          `an ICMP rule takes 'type' and 'code' (Neutron's port_range_min and port_range_max), not '${key}'`,
        );
    }
    if (r.code !== undefined && r.type === undefined) at.fail([...path, 'code'], "an ICMP rule with a 'code' needs its 'type'");
    min = r.type ?? null;
    max = r.code ?? null;
  } else {
    for (const key of ['type', 'code'] as const) {
      if (r[key] !== undefined) at.fail([...path, key], `'${key}' is for ICMP rules (protocol icmp or ipv6-icmp)`);
    }
    if (r.port_max !== undefined && r.port === undefined) at.fail([...path, 'port_max'], "'port_max' needs 'port'");
    min = r.port ?? null;
    max = r.port_max ?? r.port ?? null;
  }
  let remote: string | null = null;
  if (r.remote !== undefined) {
    remote = normalizeIpPrefix(r.remote);
    if (!remote) at.fail([...path, 'remote'], `'remote' must be a cidr, not '${r.remote}'`);
  }
  const remoteGroup = r.remote_group ?? null;
  if (remote !== null && remoteGroup !== null)
    at.fail([...path, 'remote_group'], "a rule takes 'remote' or 'remote_group', not both (Neutron allows one of them)");
  if (remoteGroup !== null && !groups.includes(remoteGroup))
    at.fail(
      [...path, 'remote_group'],
      `no security group '${remoteGroup}' in project ${project} (it has: ${groups.join(', ')}); a rule must never open to everyone by a typo`,
    );
  const rule: ScenarioRule = {
    direction: r.direction ?? 'ingress',
    protocol,
    ethertype: r.ethertype ?? 'IPv4',
    portRangeMin: min,
    portRangeMax: max,
    remote,
    remoteGroup,
  };
  neutronCheck(at, path, () =>
    checkRule({
      direction: rule.direction,
      ethertype: rule.ethertype,
      protocol: rule.protocol,
      port_range_min: rule.portRangeMin,
      port_range_max: rule.portRangeMax,
      remote_ip_prefix: rule.remote,
      remote_group_id: rule.remoteGroup,
    }),
  );
  return rule;
}

/** Two rules are the same rule when Neutron would call them duplicates (its protocol spellings compare equal). */
export function sameRule(a: ScenarioRule, b: ScenarioRule): boolean {
  const proto = (r: ScenarioRule) => {
    const p = canonicalProtocol(r.ethertype, r.protocol);
    return p === null ? null : protocolNumber(p);
  };
  const everything = (prefix: string | null) => (prefix === '0.0.0.0/0' || prefix === '::/0' ? null : prefix);
  return (
    a.direction === b.direction &&
    a.ethertype === b.ethertype &&
    proto(a) === proto(b) &&
    a.portRangeMin === b.portRangeMin &&
    a.portRangeMax === b.portRangeMax &&
    everything(a.remote) === everything(b.remote) &&
    a.remoteGroup === b.remoteGroup
  );
}

/** `tcp/22 ingress from 10.0.0.0/8`: a rule in a line, for reports. */
export function ruleWords(r: ScenarioRule): string {
  const range =
    r.portRangeMin === null
      ? ''
      : r.protocol !== null && ICMP.includes(protocolNumber(r.protocol) ?? -1)
        ? ` type ${r.portRangeMin}${r.portRangeMax === null ? '' : ` code ${r.portRangeMax}`}`
        : `/${r.portRangeMin}${r.portRangeMax !== r.portRangeMin ? `-${r.portRangeMax}` : ''}`;
  const peer = r.remote
    ? ` ${r.direction === 'ingress' ? 'from' : 'to'} ${r.remote}`
    : r.remoteGroup
      ? ` group ${r.remoteGroup}`
      : '';
  return `${r.direction} ${r.protocol ?? 'any'}${range}${peer} (${r.ethertype})`;
}
