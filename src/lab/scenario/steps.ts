/**
 * Steps: what happens after `lab up`, one action at a time, each followed by what must then
 * hold and how soon. Each action is checked against the world as the steps before it left it,
 * then applied to it, so the expectations that follow are checked against the lab as it will
 * be (parse time simulates; the lab does it for real).
 */
import type { Located, Path } from './located.js';
import { readExpectation } from './expectations.js';
import { readRule, ruleWords, sameRule } from './rules.js';
import type { StepFile } from './schema.js';
import { ACTION_WORDS, type ScenarioStep, type StepAction } from './types.js';
import type { World } from './world.js';

const FLOATING = '.floating';

/** `1s`, `500ms`, `2.5s`, `1m`, or seconds as a number. */
export function durationMs(value: number | string): number {
  if (typeof value === 'number') return value * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(value)!;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000 }[m[2] as 'ms' | 's' | 'm'];
}

/** The floating IP a step names: by its name, or `vm3.floating` for the one vm3 has now. */
function floatingKey(at: Located, path: Path, text: string, world: World): string {
  if (text.endsWith(FLOATING)) {
    const instance = text.slice(0, -FLOATING.length);
    if (!world.instances.has(instance)) at.fail(path, `no instance '${instance}' (in '${text}')`);
    const key = world.floatingOf(instance);
    if (key === null) at.fail(path, `${instance} has no floating IP at this point of the scenario`);
    return key;
  }
  if (!world.floatingIps.get(text)?.named) at.fail(path, `no floating IP named '${text}' (name one with floating_ip: NAME)`);
  return text;
}

function instance(at: Located, path: Path, name: string, world: World) {
  const i = world.instances.get(name);
  if (!i) at.fail(path, `no instance '${name}' in the scenario`);
  return i;
}

/** The project of a group a step names: the one given, else the only project that has a group of that name. */
function groupProject(at: Located, p: Path, group: string, project: string | undefined, world: World): string {
  const owners = world.projectsWithGroup(group);
  if (project !== undefined) {
    if (!owners.includes(project)) at.fail([...p, 'group'], `no security group '${group}' in project ${project}`);
    return project;
  }
  if (owners.length === 0) at.fail([...p, 'group'], `no security group '${group}' in any project`);
  if (owners.length > 1)
    at.fail([...p, 'group'], `projects ${owners.join(', ')} all have a group '${group}': say which with project:`);
  return owners[0]!;
}

function checkNode(at: Located, path: Path, node: string, world: World): void {
  if (!world.nodes.has(node)) at.fail(path, `no node '${node}' in the scenario`);
  const killed = world.killed.get(node);
  if (killed !== undefined) at.fail(path, `node ${node} was killed by the step at line ${killed}`);
}

/** Checks a step's action against the world and applies it; returns the action and its default name. */
function act(at: Located, p: Path, s: StepFile, world: World): { action: StepAction; words: string } {
  switch (s.do) {
    case 'move_floating_ip': {
      const key = floatingKey(at, [...p, 'floating_ip'], s.floating_ip, world);
      const to = instance(at, [...p, 'to'], s.to, world);
      const fip = world.floatingIps.get(key)!;
      if (to.project !== fip.project)
        at.fail([...p, 'to'], `${s.to} is in project ${to.project}, the floating IP in ${fip.project}`);
      if (world.floatingOf(s.to) !== null) at.fail([...p, 'to'], `${s.to} already has a floating IP`);
      if (!world.reachesOutside(s.to)) at.fail([...p, 'to'], `no router with an external gateway serves ${s.to}'s network`);
      fip.instance = s.to;
      return { action: { do: s.do, floatingIp: key, to: s.to }, words: `${s.floating_ip} to ${s.to}` };
    }
    case 'disassociate_floating_ip': {
      const key = floatingKey(at, [...p, 'floating_ip'], s.floating_ip, world);
      const fip = world.floatingIps.get(key)!;
      if (fip.instance === null) at.fail([...p, 'floating_ip'], `${s.floating_ip} is not associated at this point`);
      fip.instance = null;
      return { action: { do: s.do, floatingIp: key }, words: s.floating_ip };
    }
    case 'add_to_group':
    case 'remove_from_group': {
      const i = instance(at, [...p, 'instance'], s.instance, world);
      if (!world.rules.has(`${i.project}/${s.group}`))
        at.fail([...p, 'group'], `no security group '${s.group}' in project ${i.project}`);
      const adding = s.do === 'add_to_group';
      if (i.groups.has(s.group) === adding)
        at.fail([...p, 'group'], `${s.instance} is ${adding ? 'already' : 'not'} in group ${s.group} at this point`);
      if (adding) i.groups.add(s.group);
      else i.groups.delete(s.group);
      return {
        action: { do: s.do, instance: s.instance, project: i.project, group: s.group },
        words: `${s.instance} ${adding ? 'to' : 'from'} ${s.group}`,
      };
    }
    case 'add_rule':
    case 'remove_rule': {
      const project = groupProject(at, p, s.group, s.project, world);
      const rule = readRule(at, [...p, 'rule'], s.rule, project, world.groupsOf(project));
      const rules = world.rules.get(`${project}/${s.group}`)!;
      const index = rules.findIndex((r) => sameRule(r, rule));
      if (s.do === 'add_rule') {
        if (index >= 0) at.fail([...p, 'rule'], `group ${s.group} already has this rule (Neutron refuses a duplicate)`);
        rules.push(rule);
      } else {
        if (index < 0) at.fail([...p, 'rule'], `group ${s.group} of project ${project} has no such rule at this point`);
        rules.splice(index, 1);
      }
      return { action: { do: s.do, project, group: s.group, rule }, words: `${ruleWords(rule)} of ${s.group}` };
    }
    case 'restart_server':
      return { action: { do: s.do }, words: '' };
    case 'restart_agent':
    case 'stop_agent':
    case 'start_agent':
    case 'kill_node': {
      checkNode(at, [...p, 'node'], s.node, world);
      const stopped = world.agentsStopped.has(s.node);
      if (s.do === 'start_agent' && !stopped) at.fail([...p, 'node'], `the agent of ${s.node} runs at this point`);
      if ((s.do === 'stop_agent' || s.do === 'restart_agent') && stopped)
        at.fail([...p, 'node'], `the agent of ${s.node} is stopped at this point (start_agent)`);
      if (s.do === 'stop_agent') world.agentsStopped.add(s.node);
      if (s.do === 'start_agent') world.agentsStopped.delete(s.node);
      if (s.do === 'kill_node') world.killed.set(s.node, at.line(p));
      return { action: { do: s.do, node: s.node }, words: s.node };
    }
  }
}

export function readStep(at: Located, p: Path, s: StepFile, world: World): ScenarioStep {
  const { action, words } = act(at, p, s, world);
  return {
    name: s.name ?? `${ACTION_WORDS[s.do]}${words ? ` ${words}` : ''}`,
    line: at.line(p),
    action,
    withinMs: s.within === undefined ? null : durationMs(s.within),
    expect: (s.expect ?? []).map((e, i) => readExpectation(at, [...p, 'expect', i], e, world)),
  };
}
