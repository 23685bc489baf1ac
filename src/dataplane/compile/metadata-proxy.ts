/**
 * The metadata proxy of one router or network: haproxy in its namespace, configured as
 * Neutron's metadata driver configures it (neutron/common/metadata.py, agent/metadata/driver.py):
 * it listens where instances' requests arrive, replaces whatever router or network header a
 * request carried with its own (so an instance cannot claim another one), adds the client's
 * address as X-Forwarded-For, and hands the request to the host's metadata agent over its unix
 * socket. Differences from Neutron: it runs as the agent's user (root) and logs nowhere (no
 * syslog in a namespace), and it drops any X-Forwarded-For the client sent, so the agent sees
 * exactly one address.
 */
import { metadataProxyStateDir } from '../../model/names.js';
import { NETWORK_ID_HEADER, ROUTER_ID_HEADER } from '../../model/metadata.js';
import type { MetadataSettings } from './inputs.js';
import type { DaemonItem, Origin } from './plan.js';

export interface ProxyTarget {
  readonly kind: 'router' | 'network';
  readonly id: string;
  readonly netns: string;
  /** `0.0.0.0:9697` behind a router's redirect; `169.254.169.254:80` in a qdhcp namespace. */
  readonly bind: string;
}

export function haproxyConfig(target: ProxyTarget, dir: string, socket: string): string {
  const [set, drop] = target.kind === 'router' ? [ROUTER_ID_HEADER, NETWORK_ID_HEADER] : [NETWORK_ID_HEADER, ROUTER_ID_HEADER];
  return [
    'global',
    '    maxconn     1024',
    `    pidfile     ${dir}/pid`,
    '    daemon',
    '',
    'defaults',
    '    mode http',
    '    option http-server-close',
    '    option forwardfor',
    '    retries                 3',
    '    timeout http-request    30s',
    '    timeout connect         30s',
    '    timeout client          32s',
    '    timeout server          32s',
    '    timeout http-keep-alive 30s',
    '',
    'listen listener',
    `    bind ${target.bind}`,
    `    server metadata ${socket}`,
    '    http-request del-header X-Forwarded-For',
    `    http-request del-header ${drop}`,
    `    http-request set-header ${set} ${target.id}`,
    '',
  ].join('\n');
}

export function metadataProxyItem(target: ProxyTarget, stateDir: string, settings: MetadataSettings): DaemonItem {
  const dir = metadataProxyStateDir(stateDir, target.id);
  const origin: Origin = { kind: target.kind, id: target.id };
  return {
    kind: 'daemon',
    service: 'haproxy',
    netns: target.netns,
    dir,
    argv: ['haproxy', '-f', `${dir}/haproxy.cfg`],
    files: { 'haproxy.cfg': haproxyConfig(target, dir, settings.socket) },
    onChange: 'restart',
    origin,
  };
}
