/**
 * The L2 role's firewall in the agent's own network namespace: applies the firewall part of the
 * plan (ipsets first, one iptables-restore per family, stale sets last) and keeps conntrack in
 * step with it (flushes the zones of departed ports, revokes connections the rules no longer
 * allow).
 *
 * A pass costs nothing when the firewall part did not change since the last successful apply,
 * and a changed pass diffs against what it applied instead of reading iptables-save and ipset
 * save. A full resync always reads the host, so whatever drifted (rules flushed by hand) heals,
 * and judges every port's connections. Zones are read from the raw table once at start, so a
 * restarted agent keeps them and live connections keep their entries.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import {
  type ConnectionSelector,
  type MemberLookup,
  memberTest,
  revokedConnections,
} from '../dataplane/compile/firewall/verdict.js';
import { zonesFromRules } from '../dataplane/compile/firewall/iptables-hybrid/hybrid-driver.js';
import type { FirewallGroupItem, FirewallPortItem, HostPlan, IpsetItem, IptablesChainItem } from '../dataplane/compile/plan.js';
import { ensureBridgeNetfilter } from '../dataplane/drivers/bridge-netfilter.js';
import { deleteEntries, listEntries } from '../dataplane/drivers/conntrack.js';
import { ipsetScript, observeIpsets, observedSetsFrom, restoreIpsets } from '../dataplane/drivers/ipset.js';
import { applyIptables, observeIptables, observedFrom } from '../dataplane/drivers/iptables.js';
import { FIREWALL_CHAIN_PREFIX, FIREWALL_ZONE_CHAIN, addressGroupSet, remoteGroupSet } from '../model/names.js';

const SET_PREFIX = 'Q';

interface Applied {
  readonly chains: readonly IptablesChainItem[];
  readonly sets: readonly IpsetItem[];
  readonly portList: readonly FirewallPortItem[];
  readonly groupList: readonly FirewallGroupItem[];
  readonly ports: ReadonlyMap<string, FirewallPortItem>;
  readonly groups: ReadonlyMap<string, FirewallGroupItem>;
  /** Zones by device. */
  readonly zones: ReadonlyMap<string, number>;
}

export interface FirewallPassResult {
  /** iptables or ipsets changed. */
  readonly changed: boolean;
  /** Connections deleted because the rules no longer allow them. */
  readonly revoked: number;
  /** Milliseconds until ipsets and iptables were in place, and for the conntrack part after. */
  readonly tablesMs: number;
  readonly conntrackMs: number;
}

const sameStrings = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Chains equal rule for rule (the bulk of the firewall: a plain loop beats a generic deep compare). */
function sameChains(a: readonly IptablesChainItem[], b: readonly IptablesChainItem[]): boolean {
  if (a.length !== b.length) return false;
  return a.every((x, i) => {
    const y = b[i]!;
    return (
      x.chain === y.chain &&
      x.table === y.table &&
      x.family === y.family &&
      sameStrings(x.hooks, y.hooks) &&
      sameStrings(x.rules, y.rules)
    );
  });
}

function sameSets(a: readonly IpsetItem[], b: readonly IpsetItem[]): boolean {
  return a.length === b.length && a.every((x, i) => x.name === b[i]!.name && sameStrings(x.members, b[i]!.members));
}

function samePort(a: FirewallPortItem, b: FirewallPortItem): boolean {
  return (
    a.portId === b.portId &&
    a.device === b.device &&
    a.filtered === b.filtered &&
    a.zone === b.zone &&
    a.mac === b.mac &&
    sameStrings(a.fixedIps, b.fixedIps) &&
    sameStrings(a.groups, b.groups) &&
    a.sources.length === b.sources.length &&
    a.sources.every((s, i) => s.cidr === b.sources[i]!.cidr && s.mac === b.sources[i]!.mac)
  );
}

function zonesOf(ports: readonly FirewallPortItem[]): Map<string, number> {
  return new Map(ports.filter((p) => p.zone !== null).map((p) => [p.device, p.zone!]));
}

/** Members of each remote group (and addresses of each address group) as the plan's ipsets hold them. */
function memberLookup(sets: readonly IpsetItem[]): MemberLookup {
  const byName = new Map(sets.map((s) => [s.name, s]));
  const cache = new Map<string, ReturnType<typeof memberTest>>();
  return (groupId, family, kind) => {
    const name = (kind === 'address_group' ? addressGroupSet : remoteGroupSet)(family === 4 ? 'IPv4' : 'IPv6', groupId);
    const test = cache.get(name) ?? memberTest(byName.get(name)?.members ?? []);
    cache.set(name, test);
    return test;
  };
}

/** Zones of ports whose connections may have lost their permission since `before`. */
export function narrowedZones(
  before: Applied,
  ports: readonly FirewallPortItem[],
  groups: ReadonlyMap<string, FirewallGroupItem>,
  sets: readonly IpsetItem[],
): Set<number> {
  const narrowedGroups = new Set<string>();
  for (const [id, old] of before.groups) {
    const now = new Set((groups.get(id)?.rules ?? []).map((r) => JSON.stringify(r)));
    if (old.rules.some((r) => !now.has(JSON.stringify(r)))) narrowedGroups.add(id);
  }
  const nowSets = new Map(sets.map((s) => [s.name, new Set(s.members)]));
  const shrunk = new Set(before.sets.filter((s) => s.members.some((m) => !nowSets.get(s.name)?.has(m))).map((s) => s.name));
  const zones = new Set<number>();
  for (const p of ports) {
    if (p.zone === null) continue;
    const old = before.ports.get(p.portId);
    const changed = old?.filtered === true && !samePort(old, p);
    const viaGroups = p.groups.some(
      (g) =>
        narrowedGroups.has(g) ||
        (groups.get(g)?.rules ?? []).some(
          (r) =>
            (r.remoteGroup !== null && shrunk.has(remoteGroupSet(r.family === 4 ? 'IPv4' : 'IPv6', r.remoteGroup))) ||
            (r.remoteAddressGroup && shrunk.has(addressGroupSet(r.family === 4 ? 'IPv4' : 'IPv6', r.remoteAddressGroup))),
        ),
    );
    if (changed || viaGroups) zones.add(p.zone);
  }
  return zones;
}

export class HostFirewall {
  private applied: Applied | null = null;
  private hostZones: Map<string, number> | null = null;

  /** `netns`: where the host's own tables are; null (the agent's namespace) but in tests. */
  constructor(
    private readonly log: Logger,
    private readonly netns: string | null = null,
  ) {}

  /** The zones ports have on the host: read from the raw table before the first apply. */
  async zones(): Promise<ReadonlyMap<string, number>> {
    if (this.applied) return this.applied.zones;
    if (!this.hostZones) {
      const raw = await observeIptables(this.netns, 4, [FIREWALL_CHAIN_PREFIX]);
      const chain = raw.chains.find((c) => c.table === 'raw' && c.chain === FIREWALL_ZONE_CHAIN);
      this.hostZones = zonesFromRules(chain?.rules ?? []);
    }
    return this.hostZones;
  }

  async apply(plan: HostPlan, full: boolean): Promise<FirewallPassResult> {
    const chains = plan.iptables.filter((c) => c.netns === null);
    const sets = plan.ipsets.filter((s) => s.netns === null);
    const before = this.applied;
    // A walk that stops at the first difference: a pass without changes costs a few milliseconds.
    const same =
      before !== null &&
      sameChains(before.chains, chains) &&
      sameSets(before.sets, sets) &&
      before.portList.length === plan.firewallPorts.length &&
      before.portList.every((p, i) => samePort(p, plan.firewallPorts[i]!)) &&
      isDeepStrictEqual(before.groupList, plan.firewallGroups);
    if (!full && same) return { changed: false, revoked: 0, tablesMs: 0, conntrackMs: 0 };
    const started = performance.now();
    if (full || !before) await this.checkBridgeNetfilter();
    const known = full ? null : before;

    let changed: boolean;
    try {
      changed = await this.applyTables(chains, sets, known);
    } catch (e) {
      // What the tables hold is unknown now: the next pass reads the host (the zones stay those given).
      if (before) this.hostZones = new Map(before.zones);
      this.applied = null;
      throw e;
    }

    const tablesDone = performance.now();
    const groups = new Map(plan.firewallGroups.map((g) => [g.groupId, g]));
    const zones = zonesOf(plan.firewallPorts);
    await this.flushDeparted(before?.zones ?? this.hostZones ?? new Map(), zones);
    const judged = full || !before ? new Set(zones.values()) : narrowedZones(before, plan.firewallPorts, groups, sets);
    const revoked = await this.revoke(judged, plan.firewallPorts, before, groups, sets);

    this.applied = {
      chains,
      sets,
      portList: plan.firewallPorts,
      groupList: plan.firewallGroups,
      ports: new Map(plan.firewallPorts.map((p) => [p.portId, p])),
      groups,
      zones,
    };
    const result = {
      changed,
      revoked,
      tablesMs: Math.round((tablesDone - started) * 10) / 10,
      conntrackMs: Math.round((performance.now() - tablesDone) * 10) / 10,
    };
    this.log.debug({ ...result, full, judgedZones: judged.size }, 'firewall applied');
    return result;
  }

  /** ipsets first (rules name them), one iptables-restore per family at once (edits against `known`, else the host), stale sets last. */
  private async applyTables(
    chains: readonly IptablesChainItem[],
    sets: readonly IpsetItem[],
    known: Applied | null,
  ): Promise<boolean> {
    const observedSets = known ? observedSetsFrom(known.sets) : await observeIpsets(this.netns, [SET_PREFIX]);
    const { create, destroy } = ipsetScript(sets, observedSets);
    // Rules may name a set only once it exists; members of existing sets can change meanwhile.
    const newSets = /^create /m.test(create);
    if (newSets) await restoreIpsets(this.netns, create);
    // The two families are two tables of their own: restored side by side.
    const [, ...families] = await Promise.all([
      newSets ? Promise.resolve() : restoreIpsets(this.netns, create),
      ...([4, 6] as const).map((family) => {
        const desired = chains.filter((c) => c.family === family);
        const was = known ? observedFrom(known.chains.filter((c) => c.family === family)) : undefined;
        return applyIptables(this.netns, family, desired, [FIREWALL_CHAIN_PREFIX], was);
      }),
    ]);
    await restoreIpsets(this.netns, destroy);
    return create !== '' || destroy !== '' || families.some(Boolean);
  }

  /** A zone whose port left (or lost port security) must not hand its entries to the next port. */
  private async flushDeparted(before: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>): Promise<void> {
    const kept = new Set(now.values());
    for (const zone of new Set(before.values())) {
      if (kept.has(zone)) continue;
      for (const family of [4, 6] as const) await deleteEntries(this.netns, { family, zone });
    }
  }

  private async revoke(
    zones: ReadonlySet<number>,
    ports: readonly FirewallPortItem[],
    before: Applied | null,
    groups: ReadonlyMap<string, FirewallGroupItem>,
    sets: readonly IpsetItem[],
  ): Promise<number> {
    if (zones.size === 0) return 0;
    const connections = [...(await listEntries(this.netns, { family: 4 })), ...(await listEntries(this.netns, { family: 6 }))];
    const selectors: ConnectionSelector[] = revokedConnections({
      connections,
      zones,
      ports,
      previous: before?.ports ?? new Map(),
      groups,
      isMember: memberLookup(sets),
    });
    let deleted = 0;
    for (const s of selectors) deleted += await deleteEntries(this.netns, s);
    if (deleted > 0) this.log.info({ deleted, selectors }, 'deleted conntrack entries the rules no longer allow');
    return deleted;
  }

  private async checkBridgeNetfilter(): Promise<void> {
    const state = await ensureBridgeNetfilter(this.netns);
    if (state === 'unavailable') {
      this.log.warn('br_netfilter is not available: bridged traffic bypasses iptables and security groups are not enforced');
    } else if (state === 'turned-on') {
      this.log.info('turned on net.bridge.bridge-nf-call-iptables and -ip6tables');
    }
  }
}
