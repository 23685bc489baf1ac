/** Records for store tests: a network of project `p` with a segmentation id of its own. */
import type { Network } from '../../model/resources.js';

let segment = 0;

export function testNetwork(id: string, name = 'n'): Network {
  return {
    id,
    project_id: 'p',
    name,
    description: '',
    tags: [],
    created_at: '',
    updated_at: '',
    revision_number: 0,
    admin_state_up: true,
    status: 'ACTIVE',
    shared: false,
    'router:external': false,
    mtu: 1458,
    port_security_enabled: true,
    'provider:network_type': 'gre',
    'provider:physical_network': null,
    'provider:segmentation_id': ++segment,
    availability_zone_hints: [],
  };
}
