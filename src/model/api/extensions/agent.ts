/**
 * The `agent` extension (agents report themselves; admins read, disable and delete them) and
 * the two scheduler extensions, whose read routes show which agents serve which routers and
 * networks.
 */
import type { ExtensionDeclaration, ResourceDeclaration } from '../attribute.js';
import { bool, str } from '../validators.js';

const UPDATED = '2026-11-26T00:00:00-00:00';

export const agents = {
  member: 'agent',
  collection: 'agents',
  path: 'agents',
  attributes: {
    id: { filter: 'string', sort: true },
    agent_type: { filter: 'string', sort: true },
    binary: { filter: 'string', sort: true },
    topic: { filter: 'string', sort: true },
    host: { filter: 'string', sort: true },
    admin_state_up: { put: true, convert: bool, filter: 'boolean', sort: true },
    created_at: { filter: 'string', sort: true },
    started_at: { filter: 'string', sort: true },
    heartbeat_timestamp: { filter: 'string', sort: true },
    alive: { filter: 'boolean', sort: true },
    description: { put: true, convert: str(255), filter: 'string', sort: true },
    configurations: {},
    availability_zone: { filter: 'string', sort: true },
    resources_synced: { filter: 'boolean' },
  },
} satisfies ResourceDeclaration;

export const agent = {
  alias: 'agent',
  name: 'agent',
  description: 'The agent management extension.',
  updated: UPDATED,
  resources: [agents],
} satisfies ExtensionDeclaration;

export const l3AgentScheduler = {
  alias: 'l3_agent_scheduler',
  name: 'L3 Agent Scheduler',
  description: 'Schedule routers among l3 agents',
  updated: UPDATED,
} satisfies ExtensionDeclaration;

export const dhcpAgentScheduler = {
  alias: 'dhcp_agent_scheduler',
  name: 'DHCP Agent Scheduler',
  description: 'Schedule networks among dhcp agents',
  updated: UPDATED,
} satisfies ExtensionDeclaration;
