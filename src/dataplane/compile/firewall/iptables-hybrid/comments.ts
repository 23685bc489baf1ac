/** Neutron's rule comments (neutron/agent/linux/iptables_comments.py), so operators find the same words. */
export const COMMENTS = {
  vmToSg: 'Direct traffic from the VM interface to the security group chain.',
  sgToVm: 'Jump to the VM specific chain.',
  inputToSg: 'Direct incoming traffic from VM to the security group chain.',
  pairAllow: 'Allow traffic from defined IP/MAC pairs.',
  pairDrop: 'Drop traffic without an IP/MAC allow rule.',
  dhcpClient: 'Allow DHCP client traffic.',
  dhcpSpoof: 'Prevent DHCP Spoofing by VM.',
  unmatched: 'Send unmatched traffic to the fallback chain.',
  invalid: 'Drop packets that appear related to an existing connection (e.g. TCP ACK/FIN) but do not have an entry in conntrack.',
  established: 'Direct packets associated with a known session to the RETURN chain.',
  portSecurityOff: 'Accept all packets when port security is disabled.',
  raDrop: 'Drop IPv6 Router Advts from VM Instance.',
  icmp6Allow: 'Allow IPv6 ICMP traffic.',
  fallbackDrop: 'Default drop rule for unmatched traffic.',
  /** Quark's own: see hybrid-driver.ts. */
  tcpPickup: 'Drop TCP packets without SYN that have no conntrack entry, so a revoked session cannot resume.',
} as const;
