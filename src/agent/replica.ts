/**
 * The agent's copy of the intent that concerns its host, fed by the server's feed. It is
 * replaced whole by a snapshot and patched by changes; the compiler reads it as a ReplicaView.
 */
import type { ReplicaView } from '../dataplane/compile/inputs.js';
import { FEED_KINDS, type FeedChange, type FeedKind, type FeedRecord, type FeedRecords } from '../model/feed.js';

type Tables = { [K in FeedKind]: Map<string, FeedRecords[K]> };

function emptyTables(): Tables {
  return Object.fromEntries(FEED_KINDS.map((k) => [k, new Map()])) as unknown as Tables;
}

export class Replica implements ReplicaView {
  private tables: Tables = emptyTables();
  revision = 0;
  /** Set once the first snapshot arrived: before that the agent must not prune anything. */
  synced = false;
  /** Networks scheduled to this host's DHCP agent, as the feed last said. */
  dhcpNetworks: ReadonlySet<string> = new Set();

  get networks() {
    return this.tables.network;
  }
  get subnets() {
    return this.tables.subnet;
  }
  get ports() {
    return this.tables.port;
  }
  get agents() {
    return this.tables.agent;
  }
  get routers() {
    return this.tables.router;
  }
  get floatingips() {
    return this.tables.floatingip;
  }
  get securityGroups() {
    return this.tables.security_group;
  }
  get securityGroupRules() {
    return this.tables.security_group_rule;
  }
  get addressGroups() {
    return this.tables.address_group;
  }
  get networkLogs() {
    return this.tables.log;
  }
  get portForwardings() {
    return this.tables.port_forwarding;
  }
  get conntrackHelpers() {
    return this.tables.conntrack_helper;
  }
  get meteringLabels() {
    return this.tables.metering_label;
  }
  get meteringLabelRules() {
    return this.tables.metering_label_rule;
  }
  get localIps() {
    return this.tables.local_ip;
  }
  get localIpAssociations() {
    return this.tables.local_ip_association;
  }
  get qosPolicies() {
    return this.tables.qos_policy;
  }
  get qosBandwidthLimitRules() {
    return this.tables.qos_bandwidth_limit_rule;
  }
  get qosDscpMarkingRules() {
    return this.tables.qos_dscp_marking_rule;
  }
  get trunks() {
    return this.tables.trunk;
  }

  replace(records: readonly FeedRecord[], revision: number, dhcpNetworks: readonly string[] = []): void {
    const tables = emptyTables();
    for (const r of records) (tables[r.kind] as Map<string, unknown>).set((r.record as { id: string }).id, r.record);
    this.tables = tables;
    this.revision = revision;
    this.dhcpNetworks = new Set(dhcpNetworks);
    this.synced = true;
  }

  /** `dhcpNetworks` is the new whole set when the feed says it changed, undefined otherwise. */
  apply(changes: readonly FeedChange[], revision: number, dhcpNetworks?: readonly string[]): void {
    for (const c of changes) {
      const table = this.tables[c.kind] as Map<string, unknown>;
      if (c.op === 'delete') table.delete(c.id);
      else table.set(c.id, c.record);
    }
    if (dhcpNetworks) this.dhcpNetworks = new Set(dhcpNetworks);
    this.revision = revision;
  }

  size(): number {
    return FEED_KINDS.reduce((n, k) => n + this.tables[k].size, 0);
  }
}
