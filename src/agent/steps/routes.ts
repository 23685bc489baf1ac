/**
 * The static routes of the agent's namespaces (a router's default route via the external
 * gateway): exactly the plan's, once the devices they go through exist.
 */
import { applyRoutes } from '../../dataplane/drivers/namespaces.js';
import { batchNamespaceStep } from '../reconcile/namespace-step.js';

export const routesStep = () =>
  batchNamespaceStep({
    name: 'routes',
    requires: ['namespaces', 'service-ports'],
    items: (plan) => plan.routes,
    apply: applyRoutes,
  });
