/**
 * `quark vif plug|unplug`: plugs a Neutron port into this host the way Nova and os-vif do, by
 * the port's binding:vif_type: `ovs` (hybrid plug into br-int) or `bridge` (a tap in the
 * network's Linux bridge), for VMs, containers or lab instances in a network namespace. A port
 * that could not be bound (`binding_failed`) is not plugged, as Nova refuses it.
 */
import type { Command } from 'commander';
import { detectDatapath } from '../agent/settings.js';
import { hasHybridPlug, ovsInterfaceTypes, plugBridge, plugHybrid, unplugBridge, unplugHybrid } from '../agent/vif-plug.js';
import { QuarkClient, credentialsFromEnv } from '../client/client.js';
import { getNetwork, getPort, updatePort } from '../client/resources.js';
import { hostname } from 'node:os';

interface VifOptions {
  port: string;
  netns?: string;
  server: string;
  host?: string;
  ifname: string;
  ovsRundir?: string;
  datapath?: string;
  afxdp?: string;
  token?: string;
}

function clientFor(opts: VifOptions): QuarkClient {
  const credentials = opts.token ? { token: opts.token } : credentialsFromEnv(process.env, opts.server);
  return new QuarkClient({ url: opts.server, credentials });
}

export function registerVifCommand(program: Command): void {
  const vif = program.command('vif').description('Plug ports into this host as Nova/os-vif does');
  const common = (c: Command) =>
    c
      .requiredOption('--port <id>', 'the Neutron port')
      .option('--server <url>', 'Quark server', process.env.QUARK_SERVER ?? 'http://127.0.0.1:9696')
      .option('--ovs-rundir <dir>', 'OVS run directory (default: OVS default)')
      .option('--token <token>', 'Keystone token (default: OS_USERNAME/OS_PASSWORD login, or $OS_TOKEN)');
  common(vif.command('plug'))
    .requiredOption('--netns <name>', 'network namespace of the instance (created if missing)')
    .option('--host <name>', "this host's name, set as binding:host_id when the port has none")
    .option('--ifname <name>', 'interface name inside the instance', 'eth0')
    .option('--datapath <type>', 'auto, system or netdev', 'auto')
    .option('--afxdp <mode>', 'userspace datapath: auto (AF_XDP where OVS offers it) or off', process.env.QUARK_AFXDP ?? 'off')
    .action(async (opts: VifOptions) => {
      const client = clientFor(opts);
      let port = await getPort(client, opts.port);
      if (!port['binding:host_id']) port = await updatePort(client, port.id, { 'binding:host_id': opts.host ?? hostname() });
      const net = await getNetwork(client, port.network_id);
      const vifType = port['binding:vif_type'];
      if (vifType === 'binding_failed') {
        throw new Error(
          `port ${port.id} could not be bound to host ${port['binding:host_id']} (binding:vif_type binding_failed): its L2 agent is down or cannot carry network ${net.name || net.id} (${net['provider:network_type']}); not plugged`,
        );
      }
      if (vifType === 'bridge') {
        const req = {
          portId: port.id,
          networkId: net.id,
          mac: port.mac_address,
          mtu: net.mtu,
          netns: opts.netns!,
          ifname: opts.ifname,
        };
        await plugBridge(req);
        process.stdout.write(`plugged port ${port.id} into ${opts.netns} (bridge, mtu ${net.mtu})\n`);
        return;
      }
      const datapath = opts.datapath === 'auto' || !opts.datapath ? detectDatapath() : opts.datapath;
      const ovs = { rundir: opts.ovsRundir ?? null };
      const afxdp = datapath === 'netdev' && opts.afxdp === 'auto' && (await ovsInterfaceTypes(ovs)).includes('afxdp-nonpmd');
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
      });
      process.stdout.write(`plugged port ${port.id} into ${opts.netns} (${port['binding:vif_type']}, mtu ${net.mtu})\n`);
    });
  common(vif.command('unplug')).action(async (opts: VifOptions) => {
    // Whatever the host has of the port: the hybrid plug (its qbr is there), or a tap in a Linux bridge.
    if (await hasHybridPlug(opts.port)) await unplugHybrid(opts.port, { rundir: opts.ovsRundir ?? null });
    else await unplugBridge(opts.port);
    process.stdout.write(`unplugged port ${opts.port}\n`);
  });
}
