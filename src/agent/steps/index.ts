/**
 * The agent's reconcile steps, in the order a pass runs them. The order is the kernel's and
 * the datapath's: namespaces and the veth pairs of service ports exist before the L2 mechanism
 * is told about their outer ends; the host's firewall is in place before the mechanism's steps
 * wire a new VIF (the OVSDB transaction and flows, or taps into Linux bridges); routes,
 * namespace iptables and dnsmasq follow once the ports carry traffic; stale namespaces go last,
 * then what the roles tell the server. A new driver or extension adds its step here (and says
 * what it `requires`); a new L2 mechanism brings its own steps (agent/mechanism/).
 */
import type { Logger } from 'pino';
import type { QuarkClient } from '../../client/client.js';
import { DEFAULT_SECURITY_GROUP_LOG_SETTINGS, type HostSettings } from '../../dataplane/compile/inputs.js';
import { DhcpPortKeeper } from '../dhcp-ports.js';
import { HostFirewall } from '../firewall.js';
import type { L2Mechanism } from '../mechanism/index.js';
import { SecurityGroupLogWriter } from '../security-group-log.js';
import type { ReconcileStep } from '../reconcile/step.js';
import { PortStatusReporter } from '../reporter.js';
import { RouterPortBinder } from '../router-bindings.js';
import { DhcpPortsStep } from './dhcp-ports.js';
import { keepalivedStep, metadataProxyStep, radvdStep } from './daemons.js';
import { HaPortKeeper } from '../ha-ports.js';
import { HaStateReporter } from '../ha-states.js';
import { HaPortsStep, HaStatesStep } from './ha.js';
import { DnsmasqStep } from './dnsmasq.js';
import { FirewallStep } from './firewall.js';
import { FloatingIpsStep } from './floating-ips.js';
import { NamespaceIptablesStep } from './namespace-iptables.js';
import { NamespacesStep, StaleNamespacesStep } from './namespaces.js';
import { PortStatusStep } from './port-status.js';
import { RouterBindingsStep } from './router-bindings.js';
import { routesStep } from './routes.js';
import { SecurityGroupLogStep } from './security-group-log.js';
import { ServicePortsStep } from './service-ports.js';
import { sysctlsStep } from './sysctls.js';
import { BandwidthLimitsStep } from './bandwidth-limits.js';

export interface StepContext {
  readonly settings: HostSettings;
  readonly client: QuarkClient;
  readonly log: Logger;
  /** The host's L2 mechanism: its steps wire the VIFs. */
  readonly mechanism: L2Mechanism;
  /** The security group log file (default: <stateDir>/log/security-groups.log). */
  readonly networkLogFile?: string;
}

export interface AgentSteps {
  readonly steps: readonly ReconcileStep[];
  /** The L2 role's firewall (its conntrack zones go into the compile facts); null without the role. */
  readonly firewall: HostFirewall | null;
  /** Told of every plugged VIF, for the plug-to-ACTIVE time. */
  readonly portStatus: PortStatusStep;
  /** Security group logging (l2 role); closed when the agent stops. */
  readonly securityGroupLog: SecurityGroupLogWriter | null;
}

export function agentSteps(c: StepContext): AgentSteps {
  const roles = new Set(c.settings.roles);
  const firewall = roles.has('l2') ? new HostFirewall(c.log) : null;
  const sgLog = firewall
    ? new SecurityGroupLogWriter(
        c.log,
        c.networkLogFile || `${c.settings.stateDir}/log/security-groups.log`,
        c.settings.securityGroupLog ?? DEFAULT_SECURITY_GROUP_LOG_SETTINGS,
      )
    : null;
  const portStatus = new PortStatusStep(new PortStatusReporter(c.client, c.settings.host, c.log), c.mechanism);
  const steps: (ReconcileStep | null)[] = [
    roles.has('l3') ? new RouterBindingsStep(new RouterPortBinder(c.client, c.log)) : null,
    roles.has('l3') ? new HaPortsStep(new HaPortKeeper(c.client, c.settings.host, c.log)) : null,
    new NamespacesStep(),
    new ServicePortsStep(),
    sysctlsStep(),
    sgLog ? new SecurityGroupLogStep(sgLog) : null,
    firewall ? new FirewallStep(firewall) : null,
    ...c.mechanism.steps,
    roles.has('l2') ? new BandwidthLimitsStep() : null,
    routesStep(),
    new NamespaceIptablesStep(),
    roles.has('l3') ? keepalivedStep(c.log) : null,
    roles.has('l3') ? radvdStep(c.log) : null,
    new DnsmasqStep(c.log),
    roles.has('l3') || roles.has('dhcp') ? metadataProxyStep(c.log) : null,
    new StaleNamespacesStep(),
    roles.has('dhcp') ? new DhcpPortsStep(new DhcpPortKeeper(c.client, c.settings.host, c.log)) : null,
    roles.has('l3') ? new FloatingIpsStep(c.client, c.settings.host, c.log) : null,
    roles.has('l3') ? new HaStatesStep(new HaStateReporter(c.client, c.settings.host, c.log)) : null,
    portStatus,
  ];
  return { steps: steps.filter((s): s is ReconcileStep => s !== null), firewall, portStatus, securityGroupLog: sgLog };
}
