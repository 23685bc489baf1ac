/**
 * Security group logging (agent/security-group-log.ts): events are read while any port is
 * logged. The step runs before the firewall step puts the NFLOG rules in place, so the reader
 * listens before the first event: the kernel drops what no one listens for. It requires nothing:
 * a reader that fails to start must not hold the firewall back.
 */
import type { SecurityGroupLogWriter } from '../security-group-log.js';
import { HOST, type Pass, type ReconcileStep, type StepResult } from '../reconcile/step.js';

export class SecurityGroupLogStep implements ReconcileStep {
  readonly name = 'security-group-log';

  constructor(private readonly writer: SecurityGroupLogWriter) {}

  objects(): string[] {
    return [HOST];
  }

  async apply(pass: Pass): Promise<StepResult> {
    if (!pass.due(HOST)) return { changes: 0 };
    return { changes: (await this.writer.update(pass.plan)) ? 1 : 0 };
  }
}
