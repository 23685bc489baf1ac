/**
 * `quark vif plug|unplug`: plugs a Neutron port into this host the way Nova and os-vif do, by
 * the port's binding:vif_type: `ovs` (hybrid plug into br-int) or `bridge` (a tap in the
 * network's Linux bridge), for VMs, containers or lab instances in a network namespace. A port
 * that could not be bound (`binding_failed`) is not plugged, as Nova refuses it. On an
 * agent host it takes the server, host name, datapath and OVS directory from the agent's own
 * settings (/etc/quark/agent.yaml) and logs in with its credentials (/etc/quark/agent.env),
 * unless flags or OS_ and QUARK_ variables say otherwise.
 */
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { detectDatapath } from '../agent/settings.js';
import { hasHybridPlug, ovsInterfaceTypes, plugBridge, plugHybrid, unplugBridge, unplugHybrid } from '../agent/vif-plug.js';
import { QuarkClient, credentialsFromEnv } from '../client/client.js';
import { getNetwork, getPort, listPorts, updatePort } from '../client/resources.js';
import { QuarkError } from '../model/errors.js';
import type { Port } from '../model/resources.js';
import { agentConfig } from './agent-command.js';
import { agentEnvironment } from './config-file.js';

interface VifOptions {
  port: string;
  netns?: string;
  server?: string;
  host?: string;
  ifname: string;
  ovsRundir?: string;
  datapath?: string;
  afxdp?: string;
  token?: string;
  config?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The agent's settings on this host, with the flags given here on top. */
function settingsFor(opts: VifOptions) {
  const env = agentEnvironment();
  const flags = {
    config: opts.config,
    server: opts.server,
    host: opts.host,
    ovsRundir: opts.ovsRundir,
    datapath: opts.datapath,
    afxdp: opts.afxdp,
  };
  return { config: agentConfig(flags, env), env };
}

function clientFor(opts: VifOptions, server: string, env: Readonly<Record<string, string | undefined>>): QuarkClient {
  const credentials = opts.token ? { token: opts.token } : credentialsFromEnv(env);
  return new QuarkClient({ url: server, credentials });
}

/** The port by id, or by name when exactly one port has it. */
async function findPort(client: QuarkClient, key: string): Promise<Port> {
  if (UUID.test(key)) return getPort(client, key);
  const named = await listPorts(client, `name=${encodeURIComponent(key)}`);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) throw new QuarkError('PortNotFound', `no port is named ${key}`);
  throw new QuarkError(
    'InvalidInput',
    `${named.length} ports are named ${key}: give the id (${named.map((p) => p.id).join(', ')})`,
  );
}

export function registerVifCommand(program: Command): void {
  const vif = program.command('vif').description('Plug ports into this host as Nova/os-vif does');
  const common = (c: Command) =>
    c
      .requiredOption('--port <id|name>', 'the Neutron port (its id, or its name when unique)')
      .option('--config <file>', "the agent's settings (default /etc/quark/agent.yaml if it exists)")
      .option('--server <url>', "Quark server (default: the agent's server setting)")
      .option('--ovs-rundir <dir>', "OVS run directory (default: the agent's, else OVS's default)")
      .option(
        '--token <token>',
        'Keystone token (default: QUARK_/OS_ USERNAME and PASSWORD, /etc/quark/agent.env, or $OS_TOKEN)',
      );
  common(vif.command('plug'))
    .description(
      "Plug a port into a network namespace: tap, qbr bridge, qvb/qvo veth into br-int, iface-id set (vif_type ovs); a tap in the network's brq bridge (vif_type bridge)",
    )
    .requiredOption('--netns <name>', 'network namespace of the instance (created if missing)')
    .option('--host <name>', "this host's name, set as binding:host_id when the port has none (default: the agent's)")
    .option('--ifname <name>', 'interface name inside the instance', 'eth0')
    .option('--datapath <type>', 'auto, system or netdev (default: the agent’s)')
    .option('--afxdp <mode>', 'userspace datapath: auto (qvo… through AF_XDP where OVS offers it) or off (default: the agent’s)')
    .action(async (opts: VifOptions) => {
      const { config, env } = settingsFor(opts);
      const client = clientFor(opts, config.server, env);
      let port = await findPort(client, opts.port);
      if (!port['binding:host_id']) port = await updatePort(client, port.id, { 'binding:host_id': config.host || hostname() });
      const net = await getNetwork(client, port.network_id);
      const vifType = port['binding:vif_type'];
      if (vifType === 'binding_failed') {
        throw new QuarkError(
          'InvalidInput',
          `port ${port.id} could not be bound to host ${port['binding:host_id']} (binding:vif_type binding_failed): its L2 agent is down, cannot carry network ${net.name || net.id} (${net['provider:network_type']}), or cannot wire the port's trunk (Linux bridge hosts wire none); not plugged`,
        );
      }
      if (vifType === 'bridge') {
        const ifname = opts.ifname;
        await plugBridge({ portId: port.id, networkId: net.id, mac: port.mac_address, mtu: net.mtu, netns: opts.netns!, ifname });
        process.stdout.write(`plugged port ${port.id} into ${opts.netns} (bridge, mtu ${net.mtu})\n`);
        return;
      }
      const datapath = config.datapath === 'auto' ? detectDatapath() : config.datapath;
      const ovs = { rundir: config.ovsRundir || null };
      const afxdp = datapath === 'netdev' && config.afxdp === 'auto' && (await ovsInterfaceTypes(ovs)).includes('afxdp-nonpmd');
      await plugHybrid({
        portId: port.id,
        mac: port.mac_address,
        mtu: net.mtu,
        netns: opts.netns!,
        ifname: opts.ifname,
        deviceId: port.device_id,
        ovs,
        userspaceDatapath: datapath === 'netdev',
        afxdp,
        bridge: (port['binding:vif_details'] as { bridge_name?: string }).bridge_name,
      });
      process.stdout.write(`plugged port ${port.id} into ${opts.netns} (${port['binding:vif_type']}, mtu ${net.mtu})\n`);
    });
  common(
    vif.command('unplug').description('Remove what plug made for a port (its OVS port, veths and qbr bridge; or its tap)'),
  ).action(async (opts: VifOptions) => {
    const { config, env } = settingsFor(opts);
    const id = UUID.test(opts.port) ? opts.port : (await findPort(clientFor(opts, config.server, env), opts.port)).id;
    // Whatever the host has of the port: the hybrid plug (its qbr or qvo is there), or a tap in a Linux bridge.
    if (await hasHybridPlug(id)) await unplugHybrid(id, { rundir: config.ovsRundir || null });
    else await unplugBridge(id);
    process.stdout.write(`unplugged port ${id}\n`);
  });
}
