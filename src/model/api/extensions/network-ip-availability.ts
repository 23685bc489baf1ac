/**
 * `network-ip-availability`: how many addresses each network and subnet has and uses. A
 * read-only resource computed from the store; its declaration drives the filters and fields.
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

export const networkIpAvailabilities = {
  member: 'network_ip_availability',
  collection: 'network_ip_availabilities',
  path: 'network-ip-availabilities',
  attributes: {
    network_id: { filter: 'string', sort: true },
    network_name: { filter: 'string', sort: true },
    tenant_id: { filter: 'string', sort: true },
    project_id: { filter: 'string', sort: true },
    ip_version: { filter: 'integer' },
    total_ips: { sort: true },
    used_ips: { sort: true },
    subnet_ip_availability: {},
  },
} satisfies ResourceDeclaration;

export const networkIpAvailability = {
  alias: 'network-ip-availability',
  name: 'Network IP Availability',
  description: 'Provides IP availability data for each network and subnet.',
  updated: UPDATED,
  resources: [networkIpAvailabilities],
} satisfies ExtensionDeclaration;
