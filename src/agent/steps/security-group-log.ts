/**
 * Security group logging (agent/security-group-log.ts): after the firewall step has put the
 * NFLOG rules in place, make sure their events are read while any port is logged.
 */
import type { SecurityGroupLogWriter } from '../security-group-log.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class SecurityGroupLogStep implements ReconcileStep {
  readonly name = 'security-group-log';
  readonly requires = ['firewall'];

  constructor(private readonly writer: SecurityGroupLogWriter) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    return { changes: (await this.writer.update(pass.plan)) ? 1 : 0 };
  }
}
