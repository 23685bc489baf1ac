/** How a port forwarding reads in words, for explain and trace (docs/port-forwarding.md). */
import type { PortForwarding } from './resources.js';

/** `2222` for one port, `200-210` for a range. */
export function portsWords(range: string): string {
  const [a, b] = range.split(':');
  return a === b || b === undefined ? a! : `${a}-${b}`;
}

/** `port forwarding tcp 203.0.113.20:2222 → 10.0.0.4:22`. */
export function portForwardingWords(
  pf: Pick<PortForwarding, 'protocol' | 'external_port_range' | 'internal_ip_address' | 'internal_port_range'>,
  floatingIp: string,
): string {
  return `port forwarding ${pf.protocol} ${floatingIp}:${portsWords(pf.external_port_range)} → ${pf.internal_ip_address}:${portsWords(pf.internal_port_range)}`;
}
