/**
 * What a resource's rules get besides the transaction: who is asking, the server's
 * configuration, and the few stateful helpers shared by requests (address and segmentation id
 * hints, randomness).
 */
import type { Caller } from '../caller.js';
import type { ServerConfig } from '../config.js';
import type { AddressAllocator } from './address-allocator.js';
import type { SegmentAllocator } from './segment-allocator.js';

export interface Services {
  readonly config: ServerConfig;
  readonly addresses: AddressAllocator;
  readonly segments: SegmentAllocator;
  /** Random bytes for MAC addresses; tests may pass a seeded source. */
  readonly randomBytes: (n: number) => Uint8Array;
  /** New resource ids. */
  readonly newId: () => string;
  /** The clock: agent liveness, token expiry; tests may pass a fixed one. */
  readonly now: () => Date;
}

export interface PluginContext extends Services {
  readonly caller: Caller;
}
