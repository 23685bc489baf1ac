/** MAC addresses of ports: unique per network, generated under the configured base MAC. */
import { QuarkError } from '../../model/errors.js';
import { macKey } from '../../store/kinds.js';
import type { ReadView } from '../../store/view.js';
import type { PluginContext } from './context.js';

export function macInUse(view: ReadView, networkId: string, mac: string, self: string | null): boolean {
  return view.by('port', 'mac', macKey(networkId, mac)).some((p) => p.id !== self);
}

export function generateMac(view: ReadView, ctx: PluginContext, networkId: string): string {
  const base = ctx.config.baseMac.toLowerCase().split(':').slice(0, 3);
  for (let attempt = 0; attempt < 16; attempt++) {
    const tail = [...ctx.randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
    const mac = [...base, ...tail].join(':');
    if (!macInUse(view, networkId, mac, null)) return mac;
  }
  throw new QuarkError('MacAddressGenerationFailure', `Unable to generate unique mac on network ${networkId}.`);
}

export function checkMac(view: ReadView, networkId: string, mac: string, self: string | null): void {
  if (macInUse(view, networkId, mac, self)) {
    throw new QuarkError(
      'MacAddressInUse',
      `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`,
    );
  }
}
