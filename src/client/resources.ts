/** Typed calls for the resources Quark's own tools use (lab, vif plug, agent). */
import type { Network, Port, Subnet } from '../model/resources.js';
import type { QuarkClient } from './client.js';

export async function getPort(c: QuarkClient, id: string): Promise<Port> {
  return (await c.get<{ port: Port }>(`/v2.0/ports/${id}`)).port;
}

export async function updatePort(c: QuarkClient, id: string, attrs: Record<string, unknown>): Promise<Port> {
  return (await c.put<{ port: Port }>(`/v2.0/ports/${id}`, { port: attrs })).port;
}

export async function createPort(c: QuarkClient, attrs: Record<string, unknown>): Promise<Port> {
  return (await c.post<{ port: Port }>('/v2.0/ports', { port: attrs })).port;
}

export async function listPorts(c: QuarkClient, query = ''): Promise<Port[]> {
  return (await c.get<{ ports: Port[] }>(`/v2.0/ports${query ? `?${query}` : ''}`)).ports;
}

export async function getNetwork(c: QuarkClient, id: string): Promise<Network> {
  return (await c.get<{ network: Network }>(`/v2.0/networks/${id}`)).network;
}

export async function getSubnet(c: QuarkClient, id: string): Promise<Subnet> {
  return (await c.get<{ subnet: Subnet }>(`/v2.0/subnets/${id}`)).subnet;
}
