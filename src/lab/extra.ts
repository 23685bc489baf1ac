/**
 * What the layers above the nodes keep in a lab's state (`lab.json`, mode 0600): the
 * controller, the scenario's projects, instances and floating IPs, the listeners and
 * background processes it started, the nodes a step killed. Later commands (`status`, `check`,
 * `restart`, `exec`, `down`) start from it and read everything else live.
 */
import type { QuarkClient } from '../client/client.js';
import { type Controller, passwordClient } from './controller.js';
import type { ExpectContext } from './expect.js';
import type { InstanceRecord } from './instances.js';
import type { Lab } from './lab.js';
import type { ListenerRecord } from './listeners.js';
import { type FloatingIpRecord, readLive } from './live.js';
import type { LabMetadata } from './metadata.js';

/** A process `lab exec --background` started. */
export interface BackgroundRecord {
  readonly pid: number;
  readonly target: string;
  readonly command: readonly string[];
  readonly log: string;
}

export interface LabExtra {
  controller: Controller;
  /** The metadata backend (`quark metadata-api`) on the controller. */
  readonly metadata?: LabMetadata;
  readonly scenario: string;
  readonly instances: InstanceRecord[];
  readonly projects: Record<string, { login: Controller['admin']; id: string }>;
  /** The scenario's floating IPs, by key (steps name them). */
  floatingIps?: FloatingIpRecord[];
  listeners?: ListenerRecord[];
  background?: BackgroundRecord[];
  /** Nodes a step killed (`kill_node`): their processes are gone, their namespace stays until `lab down`. */
  killed?: string[];
}

export function labExtra(lab: Lab): LabExtra {
  return lab.extra as unknown as LabExtra;
}

export function adminOf(lab: Lab): QuarkClient {
  const c = labExtra(lab).controller;
  return passwordClient(c.url, c.admin);
}

/** The lab as it is now (instances, floating IPs, routers read from the API), for checks. */
export async function liveContext(lab: Lab, admin: QuarkClient = adminOf(lab)): Promise<ExpectContext> {
  const extra = labExtra(lab);
  return { lab, live: await readLive(lab, admin, extra.instances, extra.floatingIps ?? []) };
}
