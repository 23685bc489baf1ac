/** The sysctls of the agent's namespaces (`sysctl -w net.ipv4.ip_forward=1` in a qrouter), one call per namespace. */
import { applySysctls } from '../../dataplane/drivers/namespaces.js';
import { batchNamespaceStep } from '../reconcile/namespace-step.js';

export const sysctlsStep = () =>
  batchNamespaceStep({
    name: 'sysctls',
    requires: ['namespaces', 'service-ports'],
    items: (plan) => plan.sysctls,
    apply: applySysctls,
  });
