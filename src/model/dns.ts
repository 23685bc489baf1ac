/**
 * DNS names of ports (dns-integration), as neutron-lib's dns validators and ML2's
 * dns_integration driver: names are RFC 1123 labels (letters, digits, hyphens, 1-63 characters,
 * no hyphen at either end, a TLD not all digits), at most 255 characters, a trailing dot for a
 * fully qualified name; a port's name counts only when the deployment's DNS domain is not the
 * default `openstacklocal`, otherwise every address is `host-<address>`.
 */

export const DEFAULT_DNS_DOMAIN = 'openstacklocal';

/** Why `name` is not a valid DNS name, or null. */
export function dnsNameProblem(name: string, maxLength = 255): string | null {
  if (name === '') return null;
  const trimmed = name.endsWith('.') ? name.slice(0, -1) : name;
  if (trimmed.length > maxLength) return `'${trimmed}' exceeds the ${maxLength} character FQDN limit`;
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (label === '') return 'Encountered an empty component';
    if (label.startsWith('-') || label.endsWith('-')) return `Name '${label}' must not start or end with a hyphen`;
    if (!/^[a-z0-9-]{1,63}$/i.test(label)) {
      return `Name '${label}' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen`;
    }
  }
  if (labels.length > 1 && /^[0-9]+$/.test(labels.at(-1)!)) return `TLD '${labels.at(-1)}' must not be all numeric`;
  return null;
}

/** `host-10-0-0-5`: Neutron's name of an address without a port DNS name. */
export const addressHostname = (ip: string): string => `host-${ip.replace(/[.:]/g, '-')}`;

export interface DnsAssignment {
  readonly ip_address: string;
  readonly hostname: string;
  readonly fqdn: string;
}

/** A port's `dns_assignment`: one entry per fixed IP (Neutron's _get_dns_names_for_port). */
export function dnsAssignment(
  ips: readonly { ip_address: string }[],
  dnsName: string | undefined,
  domain: string,
): DnsAssignment[] {
  const suffix = domain === '' ? '' : domain.endsWith('.') ? domain : `${domain}.`;
  const named = dnsName && suffix !== '' && suffix !== `${DEFAULT_DNS_DOMAIN}.` ? dnsName : '';
  return ips.map(({ ip_address }) => {
    if (named) return { ip_address, hostname: named, fqdn: named.endsWith('.') ? named : `${named}.${suffix}` };
    const hostname = addressHostname(ip_address);
    return { ip_address, hostname, fqdn: suffix ? `${hostname}.${suffix}` : hostname };
  });
}
