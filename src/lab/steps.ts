/**
 * A scenario's steps, run after `lab up`: each action, then its expectations polled with real
 * traffic, all at once, until they hold. The lab measures when each first held, counted from
 * the end of the action: an "allowed" check at the moment its answer came back, a "blocked" one
 * at the moment the attempt that went unanswered began. A step passes when every expectation held
 * and the last did so within the step's budget (`within`); the lab waits up to three times the
 * budget (at least 15 s) to say how long it really took.
 */
import type { QuarkClient } from '../client/client.js';
import { Actions } from './actions.js';
import { type CheckResult, type ExpectContext, checkOne, listenFor, renderReport } from './expect.js';
import { adminOf, labExtra, liveContext } from './extra.js';
import type { Lab } from './lab.js';
import type { ScenarioExpectation, ScenarioStep } from './scenario.js';

export interface StepResult {
  readonly step: ScenarioStep;
  /** What the action did, in a few words; the error when it failed. */
  readonly did: string;
  readonly actionMs: number;
  readonly results: readonly CheckResult[];
  /** When each expectation first held, in ms after the action; null: it never did. */
  readonly heldAfterMs: readonly (number | null)[];
  /** Every expectation held (within the lab's wait). */
  readonly held: boolean;
  readonly ok: boolean;
}

const POLL_PAUSE_MS = 50;

/**
 * Polls one expectation until it holds or `limitMs` passes (then checks it thoroughly to say
 * what it is). When it held: for "allowed", the moment the packet that was answered left (by
 * ping's and the probe's own clocks); for "blocked", the moment the unanswered attempt began.
 */
async function pollOne(ctx: ExpectContext, e: ScenarioExpectation, since: number, limitMs: number) {
  for (;;) {
    const r = await checkOne(ctx, e, 'quick');
    if (r.ok) return { result: r as CheckResult, heldAfter: Math.max(0, r.at - since) };
    if (Date.now() - since > limitMs) break;
    await new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS));
  }
  return { result: (await checkOne(ctx, e)) as CheckResult, heldAfter: null };
}

/** Polls every expectation at once (one does not wait for another's timeouts). */
async function poll(lab: Lab, admin: QuarkClient, expect: readonly ScenarioExpectation[], since: number, limitMs: number) {
  const ctx = await liveContext(lab, admin);
  const extra = labExtra(lab);
  extra.listeners = await listenFor(ctx, extra.listeners ?? [], expect);
  lab.saveState();
  const polled = await Promise.all(expect.map((e) => pollOne(ctx, e, since, limitMs)));
  return { results: polled.map((p) => p.result), times: polled.map((p) => p.heldAfter) };
}

export async function runStep(lab: Lab, actions: Actions, admin: QuarkClient, step: ScenarioStep): Promise<StepResult> {
  const t0 = Date.now();
  let did: string;
  try {
    did = await actions.perform(step.action);
  } catch (e) {
    return {
      step,
      did: `FAILED: ${(e as Error).message}`,
      actionMs: Date.now() - t0,
      results: [],
      heldAfterMs: [],
      held: false,
      ok: false,
    };
  }
  const since = Date.now();
  const limit = Math.max(3 * (step.withinMs ?? 0), 15_000);
  const { results, times } = await poll(lab, admin, step.expect, since, limit);
  const held = results.every((r) => r.ok);
  const last = Math.max(0, ...times.map((t) => t ?? 0));
  const ok = held && (step.withinMs === null || last <= step.withinMs);
  return { step, did, actionMs: since - t0, results, heldAfterMs: times, held, ok };
}

/** Runs the steps in order; stops at an action that fails (the steps after it build on it). */
export async function runSteps(lab: Lab, steps: readonly ScenarioStep[], say: (line: string) => void): Promise<StepResult[]> {
  const actions = new Actions(lab);
  // One admin login for every step: a login is slow on purpose (scrypt) and must not count as the data plane's time.
  const admin = adminOf(lab);
  await admin.token();
  const out: StepResult[] = [];
  for (const [i, step] of steps.entries()) {
    say(`step ${i + 1} (line ${step.line}): ${step.name}…`);
    const r = await runStep(lab, actions, admin, step);
    out.push(r);
    if (r.did.startsWith('FAILED')) break;
  }
  return out;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A step's outcome in one line: held, and how soon against its budget. */
export function stepVerdict(r: StepResult): string {
  if (r.did.startsWith('FAILED')) return `FAIL: the action failed (${r.did.slice('FAILED: '.length)})`;
  if (r.results.length === 0) return 'PASS (nothing to check)';
  const last = Math.max(0, ...r.heldAfterMs.map((t) => t ?? 0));
  const budget = r.step.withinMs === null ? '' : ` (budget ${seconds(r.step.withinMs)})`;
  if (!r.held) return `FAIL: not every expectation held${budget}`;
  return `${r.ok ? 'PASS' : 'FAIL: over budget'}: all held after ${seconds(last)}${budget}`;
}

export function renderSteps(results: readonly StepResult[]): string {
  return results
    .map((r, i) => {
      const head = `step ${i + 1} (line ${r.step.line}): ${r.step.name} — ${r.did} (${Math.round(r.actionMs)} ms)`;
      const table = r.results.length > 0 ? `\n${renderReport(r.results, r.heldAfterMs)}` : '';
      return `${head}${table}\n${stepVerdict(r)}`;
    })
    .join('\n\n');
}
