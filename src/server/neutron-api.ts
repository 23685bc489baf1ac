/**
 * The Neutron API this server offers: which core resources and extensions are loaded, and the
 * rules behind each collection. `GET /v2.0/extensions` lists exactly these extensions.
 */
import { networks } from '../model/api/core/network.js';
import { ports } from '../model/api/core/port.js';
import { subnets } from '../model/api/core/subnet.js';
import {
  allowedAddressPairs,
  behaviourExtensions,
  binding,
  externalNet,
  netMtu,
  netMtuWritable,
  portSecurity,
  provider,
} from '../model/api/extensions/core-extensions.js';
import { type ApiRegistry, buildRegistry } from '../model/api/registry.js';
import { type AnyResourceHandler, bindHandler } from './api/resource.js';
import { networkHandler } from './plugin/networks.js';
import { portHandler } from './plugin/ports.js';
import { subnetHandler } from './plugin/subnets.js';

export interface NeutronApi {
  readonly registry: ApiRegistry;
  handlers(registry: ApiRegistry): AnyResourceHandler[];
}

export function neutronApi(): NeutronApi {
  const registry = buildRegistry(
    [networks, subnets, ports],
    [externalNet, provider, netMtu, netMtuWritable, portSecurity, binding, allowedAddressPairs, ...behaviourExtensions],
  );
  return {
    registry,
    handlers: (r) =>
      [networkHandler, subnetHandler, portHandler].map((spec) => bindHandler(spec, r.resources) as AnyResourceHandler),
  };
}
