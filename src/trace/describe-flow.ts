/**
 * An OpenFlow flow in plain words, from its match and actions as OVS prints them (dump-flows or
 * ofproto/trace, OpenFlow 1.4 names): which table it sits in by Neutron's name, what traffic it
 * takes (from which port, on which local VLAN or tunnel key, to which port's MAC) and what it
 * does (tag, untag, set the tunnel key, send into a tunnel to a host, switch, drop).
 */
import { type BridgeRole, tableName } from '../dataplane/compile/tables.js';
import { splitTopLevel } from './datapath-actions.js';
import type { FlowEffect } from '../model/trace.js';
import type { Labels } from './labels.js';
import {
  INTEGRATION_BRIDGE,
  intToPhysPatch,
  PATCH_INT_TO_TUN,
  PATCH_TUN_TO_INT,
  patchedBridge,
  TUNNEL_BRIDGE,
} from '../model/names.js';

export function bridgeRole(bridge: string): BridgeRole {
  return bridge === INTEGRATION_BRIDGE ? 'int' : bridge === TUNNEL_BRIDGE ? 'tun' : 'phys';
}

const unquote = (s: string) => s.replaceAll('"', '');

function network(labels: Labels, id: string | undefined): string {
  return id ? labels.label({ kind: 'network', id }) : 'no network known here';
}

function vlanWords(labels: Labels, vlan: number): string {
  return `local VLAN ${vlan} (${network(labels, labels.networkOfVlan(vlan)?.id)})`;
}

function portWords(labels: Labels, port: string): string {
  if (port === PATCH_TUN_TO_INT) return INTEGRATION_BRIDGE;
  if (port === PATCH_INT_TO_TUN) return TUNNEL_BRIDGE;
  const provider = patchedBridge(port);
  if (provider) return port === intToPhysPatch(provider) ? provider : INTEGRATION_BRIDGE;
  const tunnel = labels.tunnelHost(port);
  if (tunnel) return `tunnel ${port} to host ${tunnel.host} (${tunnel.ip})`;
  const owner = labels.portOfDevice(port);
  return owner ? `${port} (${labels.label({ kind: 'port', id: owner.id })})` : port;
}

function matchWords(labels: Labels, match: string): string[] {
  const out: string[] = [];
  for (const field of match.split(',').filter(Boolean)) {
    const [k, v = ''] = field.split('=') as [string, string | undefined];
    const value = unquote(v);
    if (k === 'in_port') out.push(`from ${portWords(labels, value)}`);
    else if (k === 'dl_vlan') out.push(`on ${vlanWords(labels, Number(value))}`);
    else if (k === 'vlan_tci' && value === '0x0000/0x1fff') out.push('untagged');
    else if (k === 'vlan_tci' && /\/0x0fff$/.test(value)) out.push(`on ${vlanWords(labels, Number(value.split('/')[0]))}`);
    else if (k === 'tun_id') out.push(`with tunnel key ${value} (${network(labels, labels.networkOfKey(Number(value))?.id)})`);
    else if (k === 'dl_dst' && value === '00:00:00:00:00:00/01:00:00:00:00:00') out.push('unicast');
    else if (k === 'dl_dst' && value === '01:00:00:00:00:00/01:00:00:00:00:00') out.push('broadcast and multicast');
    else if (k === 'dl_dst') {
      const p = labels.portsByMac(value)[0];
      out.push(
        `to ${value}${p ? ` (${labels.label({ kind: 'port', id: p.id })}${p['binding:host_id'] ? ` on host ${p['binding:host_id']}` : ''})` : ''}`,
      );
    } else out.push(field);
  }
  return out;
}

interface ActionMeaning {
  readonly effect: FlowEffect;
  /** null: said by the action next to it (push_vlan before the VLAN id). */
  readonly words: string | null;
}

function actionMeaning(labels: Labels, role: BridgeRole, action: string): ActionMeaning {
  const resubmit = /^resubmit\(,(\d+)\)$/.exec(action);
  if (resubmit) return { effect: 'resubmit', words: `on to ${tableName(role, Number(resubmit[1]))}` };
  const vid = /^set_field:(\d+)->vlan_vid$/.exec(action) ?? /^mod_vlan_vid:(\d+)$/.exec(action);
  if (vid) return { effect: 'tag', words: `tag ${vlanWords(labels, Number(vid[1]) & 0xfff)}` };
  if (action.startsWith('push_vlan')) return { effect: 'tag', words: null };
  if (action === 'pop_vlan' || action === 'strip_vlan' || action === 'load:0->NXM_OF_VLAN_TCI[]')
    return { effect: 'untag', words: 'untag' };
  const key =
    /^load:(0x[0-9a-f]+)->NXM_NX_TUN_ID\[\]$/.exec(action) ??
    /^set_field:(0x[0-9a-f]+)->tun_id$/.exec(action) ??
    /^set_tunnel:(0x[0-9a-f]+)$/.exec(action);
  if (key) return { effect: 'set-tunnel-key', words: `set tunnel key ${key[1]}` };
  const output = /^output:(.+)$/.exec(action);
  if (output) return { effect: 'output', words: `out to ${portWords(labels, unquote(output[1]!))}` };
  if (action === 'NORMAL') return { effect: 'switch', words: 'switch normally (MAC learning)' };
  if (action.startsWith('learn(')) return { effect: 'learn', words: 'learn which tunnel the sender is behind' };
  if (action === 'drop') return { effect: 'drop', words: 'drop' };
  return { effect: 'other', words: action };
}

/** A flow of `bridge` in plain words, and what its actions do to the packet's way (no action: drop). */
export function flowMeaning(
  labels: Labels,
  bridge: string,
  table: number,
  match: string,
  actions: readonly string[],
): { says: string; effects: FlowEffect[] } {
  const role = bridgeRole(bridge);
  const what = matchWords(labels, match);
  const does = actions.flatMap((a) => splitTopLevel(a)).map((a) => actionMeaning(labels, role, a));
  const list = does.map((d) => d.words).filter((d): d is string => d !== null);
  const head = what.length > 0 ? `${what.join(', ')}: ` : 'everything else: ';
  return {
    says: `${tableName(role, table)} ${head}${list.length > 0 ? list.join(', ') : 'drop'}`,
    effects: does.length > 0 ? does.map((d) => d.effect) : ['drop'],
  };
}

/** Plain words for one flow of `bridge`. */
export function describeFlow(labels: Labels, bridge: string, table: number, match: string, actions: readonly string[]): string {
  return flowMeaning(labels, bridge, table, match, actions).says;
}

/** `priority=2,dl_vlan=1 actions=…` parts of a dump-flows line: the match and the action list. */
export function splitDumpedFlow(text: string): { match: string; actions: string } {
  const i = text.indexOf(' actions=');
  const head = i < 0 ? text : text.slice(0, i);
  const fields = head
    .replace(/^.*?\s(?=\S*priority=)/, '')
    .split(',')
    .filter(
      (f) =>
        !/^(cookie|duration|table|n_packets|n_bytes|idle_age|hard_age|priority|hard_timeout|idle_timeout|reset_counts)=/.test(
          f.trim(),
        ),
    )
    .map((f) => f.trim());
  return { match: fields.join(','), actions: i < 0 ? '' : text.slice(i + ' actions='.length) };
}
