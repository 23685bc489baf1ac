/**
 * The havana lab as the web view saw it (src/web/__fixtures__/, saved from `quark lab up
 * scenarios/havana.yaml` through the API as its admin, after deleting the floating IP's DNAT rule
 * in the router namespace by hand): the API's lists, the agents' readings of both hosts, and a
 * trace from the internet host to vm3's floating IP that the missing rule drops.
 */
import { readFileSync } from 'node:fs';
import type { HostExplanation } from '../../model/explain.js';
import type { TraceResult } from '../../model/trace.js';
import { COLLECTIONS, Cloud } from '../cloud.js';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../src/web/__fixtures__/${name}`, import.meta.url), 'utf8'));

export function havanaCloud(): Cloud {
  const saved = fixture('havana-cloud.json');
  const cloud = new Cloud();
  for (const c of COLLECTIONS) if (saved[c]) cloud.load(c, saved[c]);
  for (const p of saved.projects) cloud.projects.set(p.id, p.name);
  for (const [host, h] of Object.entries(saved.hosts)) cloud.hosts.set(host, h as HostExplanation);
  return cloud;
}

export function havanaTrace(): TraceResult {
  return fixture('havana-trace-missing-dnat.json');
}

/** The same trace before the rule was deleted: DROPPED by vm3's security group. */
export function havanaSgTrace(): TraceResult {
  return fixture('havana-trace-sg-drop.json');
}
