/**
 * A port's extra DHCP options (extra_dhcp_opt), as neutron/db/extradhcpopt_db.py keeps them: on
 * create, options with an empty value are dropped (`router` and `classless-static-route` may be
 * blank, to send them empty); on update, each option given replaces the port's option of the
 * same name and IP version, a null value removes it, and the others stay. The DHCP agent hands
 * them to this port only (compile/dhcp/dnsmasq-files.ts).
 */
import type { ExtraDhcpOptRequest } from '../../model/api/extensions/core-extensions.js';
import type { ExtraDhcpOpt } from '../../model/resources.js';

const BLANK_ALLOWED = ['router', 'classless-static-route'];

function usable(name: string, value: string | null): value is string {
  return BLANK_ALLOWED.includes(name) ? value !== null : value !== null && value !== '';
}

export function extraDhcpOptsOnCreate(requested: readonly ExtraDhcpOptRequest[] | null | undefined): ExtraDhcpOpt[] {
  return (requested ?? [])
    .filter((o) => usable(o.opt_name, o.opt_value))
    .map((o) => ({ opt_name: o.opt_name, opt_value: o.opt_value as string, ip_version: o.ip_version ?? 4 }));
}

export function extraDhcpOptsOnUpdate(
  current: readonly ExtraDhcpOpt[],
  requested: readonly ExtraDhcpOptRequest[] | null | undefined,
): ExtraDhcpOpt[] {
  const out = [...current];
  for (const o of requested ?? []) {
    const version = o.ip_version ?? 4;
    const at = out.findIndex((x) => x.opt_name === o.opt_name && x.ip_version === version);
    if (o.opt_value === null) {
      if (at >= 0) out.splice(at, 1);
    } else if (usable(o.opt_name, o.opt_value)) {
      const opt = { opt_name: o.opt_name, opt_value: o.opt_value, ip_version: version };
      if (at >= 0) out[at] = opt;
      else out.push(opt);
    }
  }
  return out;
}
