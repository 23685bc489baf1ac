/**
 * The actions of a scenario's steps, done as their users would: floating IPs and security
 * groups through the API as the project's own user, restarts and failures on the lab's
 * processes by the pids the lab owns (the server's read live: it may have been restarted by
 * hand). Each resolves once the action itself is done; what it changes in the data plane is
 * for the step's expectations to find.
 */
import type { QuarkClient } from '../client/client.js';
import type { Port, SecurityGroup, SecurityGroupRule } from '../model/resources.js';
import { ruleBody } from './apply.js';
import { passwordClient, restartServer } from './controller.js';
import { type LabExtra, labExtra } from './extra.js';
import type { Lab } from './lab.js';
import { killNode } from './node.js';
import { listeningPid } from './processes.js';
import type { ScenarioRule, StepAction } from './scenario.js';
import { sameRule } from './scenario/rules.js';
import { agentPid } from './status.js';

export class Actions {
  private readonly clients = new Map<string, QuarkClient>();
  private readonly extra: LabExtra;

  constructor(readonly lab: Lab) {
    this.extra = labExtra(lab);
  }

  /** The project's own user, as the scenario's tenants act. */
  private user(project: string): QuarkClient {
    const login = this.extra.projects[project]?.login;
    if (!login) throw new Error(`no project '${project}' in the lab`);
    const c = this.clients.get(project) ?? passwordClient(this.extra.controller.url, login);
    this.clients.set(project, c);
    return c;
  }

  private instance(name: string) {
    const r = this.extra.instances.find((i) => i.name === name);
    if (!r) throw new Error(`no instance '${name}' in the lab`);
    return r;
  }

  private async groups(project: string): Promise<Map<string, SecurityGroup>> {
    const { security_groups } = await this.user(project).get<{ security_groups: SecurityGroup[] }>('/v2.0/security-groups');
    return new Map(security_groups.map((g) => [g.name, g]));
  }

  private async group(project: string, name: string): Promise<SecurityGroup> {
    const g = (await this.groups(project)).get(name);
    if (!g) throw new Error(`no security group '${name}' in project ${project}`);
    return g;
  }

  /** Points a scenario floating IP at an instance's port (null: none), and keeps the lab's record in step. */
  private async associate(key: string, to: string | null): Promise<string> {
    const fip = this.extra.floatingIps?.find((f) => f.key === key);
    if (!fip) throw new Error(`no floating IP '${key}' in the lab`);
    const port = to === null ? null : this.instance(to).portId;
    await this.user(fip.project).put(`/v2.0/floatingips/${fip.id}`, { floatingip: { port_id: port } });
    for (const i of this.extra.instances) {
      if (i.floatingIp === fip.address) i.floatingIp = null;
      if (i.name === to) i.floatingIp = fip.address;
    }
    this.lab.saveState();
    return to === null ? `${fip.address} has no port now` : `${fip.address} → ${to}`;
  }

  private async membership(instance: string, project: string, group: string, add: boolean): Promise<string> {
    const r = this.instance(instance);
    const api = this.user(project);
    const { port } = await api.get<{ port: Port }>(`/v2.0/ports/${r.portId}`);
    const id = (await this.group(project, group)).id;
    const groups = add ? [...port.security_groups, id] : port.security_groups.filter((g) => g !== id);
    await api.put(`/v2.0/ports/${r.portId}`, { port: { security_groups: groups } });
    return `${instance} in ${groups.length} group(s)`;
  }

  private async rule(project: string, group: string, rule: ScenarioRule, add: boolean): Promise<string> {
    const api = this.user(project);
    const groups = await this.groups(project);
    const g = groups.get(group);
    if (!g) throw new Error(`no security group '${group}' in project ${project}`);
    if (add) {
      const { security_group_rule } = await api.post<{ security_group_rule: SecurityGroupRule }>('/v2.0/security-group-rules', {
        security_group_rule: ruleBody(rule, g.id, groups),
      });
      return `rule ${security_group_rule.id.slice(0, 8)} added`;
    }
    const names = new Map([...groups.values()].map((x) => [x.id, x.name]));
    const { security_group_rules } = await api.get<{ security_group_rules: SecurityGroupRule[] }>(
      `/v2.0/security-group-rules?security_group_id=${g.id}`,
    );
    const found = security_group_rules.find((r) =>
      sameRule(rule, {
        direction: r.direction,
        protocol: r.protocol,
        ethertype: r.ethertype,
        portRangeMin: r.port_range_min,
        portRangeMax: r.port_range_max,
        remote: r.remote_ip_prefix,
        remoteGroup: r.remote_group_id ? (names.get(r.remote_group_id) ?? r.remote_group_id) : null,
      }),
    );
    if (!found) throw new Error(`group ${group} of project ${project} has no such rule`);
    await api.delete(`/v2.0/security-group-rules/${found.id}`);
    return `rule ${found.id.slice(0, 8)} removed`;
  }

  private async restartServer(): Promise<string> {
    const c = this.extra.controller;
    const running = listeningPid(this.lab.options.serverPort) ?? c.pid;
    const pid = await restartServer(
      {
        dir: this.lab.options.dir,
        ip: this.lab.fabric.controllerIp,
        port: this.lab.options.serverPort,
        tunnelType: this.lab.options.tunnelType,
        dhcpAgentsPerNetwork: this.lab.options.dhcpAgentsPerNetwork,
      },
      running,
    );
    this.extra.controller = { ...c, pid };
    this.lab.saveState();
    return `server pid ${running} → ${pid}`;
  }

  private async killNode(node: string): Promise<string> {
    await killNode(this.lab.node(node).handle);
    this.lab.node(node).agentPid = null;
    this.extra.killed = [...(this.extra.killed ?? []), node];
    this.lab.saveState();
    return `every process of ${node} killed`;
  }

  /** Does one action; resolves with what was done, in a few words. */
  async perform(a: StepAction): Promise<string> {
    switch (a.do) {
      case 'move_floating_ip':
        return this.associate(a.floatingIp, a.to);
      case 'disassociate_floating_ip':
        return this.associate(a.floatingIp, null);
      case 'add_to_group':
      case 'remove_from_group':
        return this.membership(a.instance, a.project, a.group, a.do === 'add_to_group');
      case 'add_rule':
      case 'remove_rule':
        return this.rule(a.project, a.group, a.rule, a.do === 'add_rule');
      case 'restart_server':
        return this.restartServer();
      case 'restart_agent':
      case 'stop_agent':
      case 'start_agent': {
        const before = agentPid(this.lab, a.node);
        // The agent running now, also if it was restarted by hand since `lab up`.
        this.lab.node(a.node).agentPid = before;
        if (a.do !== 'start_agent') await this.lab.stopAgent(a.node);
        if (a.do === 'stop_agent') return `agent pid ${before} stopped`;
        return `agent pid ${before ?? '-'} → ${this.lab.startAgent(a.node)}`;
      }
      case 'kill_node':
        return this.killNode(a.node);
    }
  }
}
