/** `quark agent`: the host agent (L2, DHCP and L3 roles). */
import type { Command } from 'commander';
import { type AgentConfig, AgentConfigSchema } from '../agent/config.js';
import { loadConfig } from '../model/config.js';
import { configSources } from './config-file.js';

const AUTHENTICATION = `
Authentication:
  The agent logs in to the server's identity API as a Keystone user that holds the
  admin role in its project (quark admin bootstrap creates quark-agent in project
  service). Give the user and password in the config file (username, password) or
  as QUARK_USERNAME and QUARK_PASSWORD (e.g. an EnvironmentFile of its systemd
  unit), never as flags that ps would show; the agent renews its token itself.
  Without a username it sends a fixed token (token, QUARK_TOKEN), or, with
  neither, noauth headers, which only a server started with --auth noauth accepts.

Every flag also has a config-file key and a QUARK_* variable (docs/config.md).
Check a host before starting the agent: quark host check.`;

/** The agent's settings as flags; `quark host check` takes the same ones. */
export function addAgentOptions(c: Command): Command {
  return c
    .option('--config <file>', 'YAML or JSON file with agent settings (default /etc/quark/agent.yaml if it exists)')
    .option('--host <name>', "this host's name (binding:host_id of its ports; default the hostname)")
    .option('--server <url>', 'URL of the Quark server (default http://127.0.0.1:9696)')
    .option('--roles <list>', 'what this host does, comma-separated: l2, dhcp, l3 (dhcp and l3 need l2)')
    .option('--mechanism <name>', 'the L2 mechanism: openvswitch (default) or linuxbridge')
    .option('--tunnel-ip <ip>', "this host's address on the tunnel network (none: no tunnels)")
    .option('--tunnel-types <list>', 'gre, vxlan or gre,vxlan')
    .option('--bridge-mappings <list>', 'Open vSwitch: physnet:bridge pairs, comma-separated (e.g. physnet1:br-ex)')
    .option('--physical-interface-mappings <list>', 'Linux bridge: physnet:interface pairs, comma-separated (e.g. physnet1:eth2)')
    .option('--datapath <type>', 'auto, system (kernel module) or netdev (userspace)')
    .option('--underlay-interface <dev>', 'userspace datapath: the interface that carries tunnels')
    .option('--afxdp <mode>', 'userspace datapath: auto (AF_XDP where OVS offers it) or off (default)')
    .option('--firewall-driver <name>', "auto (the mechanism's own), iptables_hybrid, iptables or noop")
    .option('--state-dir <dir>', 'state directory (default /var/lib/quark/agent)')
    .option('--ovs-rundir <dir>', 'OVS run directory (default /run/openvswitch)');
}

/**
 * The agent's configuration from its file, QUARK_* variables and these flags (validated, not yet
 * against the host). `env` is the environment to read; commands run by hand on an agent host
 * pass agentEnvironment(), which adds /etc/quark/agent.env.
 */
export function agentConfig(
  opts: Record<string, unknown>,
  env: Readonly<Record<string, string | undefined>> = process.env,
): AgentConfig {
  const { config: file, ...flags } = opts;
  return loadConfig(AgentConfigSchema, configSources(file as string | undefined, 'agent', flags, env));
}

export function registerAgentCommand(program: Command): void {
  addAgentOptions(program.command('agent').description('Run the host agent: wire this host to the intent in the Quark server'))
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
    .option('--log-format <format>', 'auto (text on a terminal, else JSON), text or json')
    .addHelpText('after', AUTHENTICATION)
    .action(async (opts: Record<string, unknown>) => {
      const config = agentConfig(opts);
      const { startAgent, stopOnSignals } = await import('../agent/main.js');
      stopOnSignals(await startAgent(config));
    });
}
