/**
 * The Linux bridge mechanism (Neutron's Linux bridge agent): no Open vSwitch. The agent finds
 * plugged ports by their taps (`tap` + 11 characters of the port id), watched with `ip monitor
 * link`; it reads the links before each pass and applies the L2 part with two steps: the
 * bridges, uplinks and taps (linux-bridges), then l2population's forwarding and neighbour
 * entries (fdb). A tap in its bridge carries traffic at once: nothing to wait for before the
 * ports are reported ACTIVE.
 */
import type { Logger } from 'pino';
import type { HostPlan } from '../../dataplane/compile/plan.js';
import { type LinkWatch, watchLinks } from '../../dataplane/drivers/link-monitor.js';
import { observeLinks } from '../../dataplane/drivers/linux-bridge.js';
import type { SwitchState } from '../../dataplane/drivers/ovsdb/index.js';
import { BridgeFdbStep } from '../steps/bridge-fdb.js';
import { LinuxBridgesStep } from '../steps/linux-bridges.js';
import type { L2Mechanism, MechanismHooks } from './mechanism.js';

const TAP = 'tap';
const NO_SWITCH: SwitchState = { rootUuid: undefined, nextCfg: 0, curCfg: 0, ifaceTypes: [], bridges: [] };

export class LinuxBridgeMechanism implements L2Mechanism {
  readonly name = 'linuxbridge' as const;
  readonly steps = [new LinuxBridgesStep(), new BridgeFdbStep()];
  readonly wiredBy = ['linux-bridges'];
  private watch: LinkWatch | null = null;
  private stopped = false;

  constructor(private readonly log: Logger) {}

  async start(hooks: MechanismHooks): Promise<void> {
    const onEvent = (e: { kind: 'added' | 'removed'; name: string }) => {
      const port = hooks.portOfDevice(e.name);
      // The agent's own DHCP and router devices are not instances' VIFs.
      if (port && !port.device_owner.startsWith('network:')) {
        if (e.kind === 'added') hooks.plugged(port.id);
        else hooks.unplugged(port.id);
      }
      hooks.changed(false);
    };
    const restart = (why: string) => {
      if (this.stopped) return;
      this.log.warn({ why }, 'link monitor stopped; starting it again and resyncing');
      setTimeout(() => void this.watchTaps(onEvent, restart).then(() => hooks.changed(true)), 200).unref();
    };
    await this.watchTaps(onEvent, restart);
  }

  private async watchTaps(
    onEvent: (e: { kind: 'added' | 'removed'; name: string }) => void,
    onExit: (why: string) => void,
  ): Promise<void> {
    this.watch = await watchLinks(TAP, onEvent, onExit);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.watch?.cancel();
  }

  async observe() {
    const links = await observeLinks();
    const taps = links.filter((l) => l.name.startsWith(TAP)).map((l) => l.name);
    return { facts: { vifs: [], localVlans: new Map<string, number>(), taps }, observed: { links } };
  }

  async datapathApplied(): Promise<void> {}

  counters(plan: HostPlan | null): Record<string, unknown> {
    const devices = plan?.bridgePorts.filter((p) => p.bridge !== null).length ?? 0;
    return { devices, tunnels: new Set(plan?.fdbEntries.map((f) => f.dst) ?? []).size };
  }

  async switchState(): Promise<SwitchState> {
    return NO_SWITCH;
  }

  health(): Record<string, string> {
    return {};
  }
}
