/** `quark agent`: the host agent (L2, DHCP and L3 roles). */
import type { Command } from 'commander';
import { AgentConfigSchema } from '../agent/config.js';
import { loadConfig } from '../model/config.js';
import { readConfigFile } from './config-file.js';

const list = (v: string) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run the host agent: wire this host to the intent in the Quark server')
    .option('--config <file>', 'YAML or JSON file with agent settings (see docs/config.md)')
    .option('--host <name>', "this host's name (binding:host_id of its ports)")
    .option('--server <url>', 'URL of the Quark server')
    .option('--roles <list>', 'l2,dhcp,l3', list)
    .option('--mechanism <name>', 'L2 mechanism: openvswitch or linuxbridge')
    .option('--tunnel-ip <ip>', 'local tunnel endpoint')
    .option('--tunnel-types <list>', 'gre,vxlan', list)
    .option('--bridge-mappings <list>', 'Open vSwitch: physnet:bridge,…', list)
    .option('--physical-interface-mappings <list>', 'Linux bridge: physnet:interface,…', list)
    .option('--datapath <type>', 'auto, system or netdev')
    .option('--underlay-interface <dev>', 'userspace datapath: interface that carries tunnels')
    .option('--afxdp <mode>', 'userspace datapath: auto (AF_XDP where offered) or off')
    .option('--firewall-driver <name>', 'auto, iptables_hybrid, iptables or noop')
    .option('--state-dir <dir>', 'state directory')
    .option('--ovs-rundir <dir>', 'OVS run directory')
    .option('--log-level <level>', 'log level')
    .action(async (opts: Record<string, unknown>) => {
      const config = loadConfig(AgentConfigSchema, {
        file: readConfigFile(opts.config as string | undefined),
        env: process.env,
        flags: opts,
      });
      const { startAgent, stopOnSignals } = await import('../agent/main.js');
      stopOnSignals(await startAgent(config));
    });
}
