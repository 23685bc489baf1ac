/**
 * Converters for request attributes. Each takes the raw JSON value and the attribute name and
 * returns the normalised value, or throws HTTPBadRequest with Neutron's wording
 * ("Invalid input for cidr. Reason: '10.0.0.0/33' is not a valid IP subnet.").
 */
import { invalidField } from '../errors.js';
import { normalizeIp } from '../ip/address.js';
import { formatCidr, parseCidr } from '../ip/cidr.js';

export type Convert<T> = (value: unknown, field: string) => T;

/**
 * A value as an error message quotes it: at most `max` characters of it, so that a 1 MB name
 * does not come back as a 1 MB error.
 */
export function quote(v: unknown, max = 64): string {
  const text = typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}

const show = (v: unknown): string => quote(v);

/** "Invalid input for ethertype. Reason: 'ipv5' is not in ['IPv4', 'IPv6']." */
export function invalidFieldOf(field: string, value: unknown, reason: string) {
  return invalidField(field, `'${show(value)}' ${reason}`);
}

export function str(maxLength = 255): Convert<string> {
  return (v, field) => {
    if (typeof v !== 'string') throw invalidField(field, `'${show(v)}' is not a valid string`);
    if (v.length > maxLength) throw invalidField(field, `'${show(v)}' exceeds maximum length of ${maxLength}`);
    return v;
  };
}

/** Neutron's convert_to_boolean: booleans, 0/1 and their string forms, case-insensitive words. */
export const bool: Convert<boolean> = (v, field) => {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  throw invalidField(field, `'${show(v)}' cannot be converted to boolean`);
};

export function int(min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): Convert<number> {
  return (v, field) => {
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidField(field, `'${show(v)}' is not an integer`);
    if (n < min) throw invalidField(field, `'${n}' is too small - must be at least '${min}'`);
    if (n > max) throw invalidField(field, `'${n}' is too large - must be no larger than '${max}'`);
    return n;
  };
}

/** An integer from a fixed set (ip_version: 4 or 6). */
export function intIn<T extends number>(values: readonly T[]): Convert<T> {
  return (v, field) => {
    const n = int()(v, field);
    if (!(values as readonly number[]).includes(n)) throw invalidField(field, `${n} is not in [${values.join(', ')}]`);
    return n as T;
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID.test(v);
}

export const uuid: Convert<string> = (v, field) => {
  if (!isUuid(v)) throw invalidField(field, `'${show(v)}' is not a valid UUID`);
  return v.toLowerCase();
};

export const ip: Convert<string> = (v, field) => {
  const n = typeof v === 'string' ? normalizeIp(v) : null;
  if (!n) throw invalidField(field, `'${show(v)}' is not a valid IP address`);
  return n;
};

/**
 * A subnet, as neutron-lib's validate_subnet and Neutron's create_subnet take it: host bits are
 * dropped ("10.0.0.5/24" is 10.0.0.0/24, measured on Neutron 21); an address without a prefix
 * length is refused with the prefix Neutron recommends.
 */
export const subnetCidr: Convert<string> = (v, field) => {
  const c = typeof v === 'string' ? parseCidr(v) : null;
  if (!c || typeof v !== 'string') throw invalidField(field, `'${show(v)}' is not a valid IP subnet`);
  if (!v.includes('/')) throw invalidField(field, `'${v}' isn't a recognized IP subnet cidr, '${formatCidr(c)}' is recommended`);
  return formatCidr(c);
};

/** A prefix as used in routes and rules: host bits are dropped, as Neutron normalises them. */
export const cidr: Convert<string> = (v, field) => {
  const c = typeof v === 'string' ? parseCidr(v) : null;
  if (!c) throw invalidField(field, `'${show(v)}' is not a valid IP subnet`);
  return formatCidr(c);
};

const MAC = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

export const mac: Convert<string> = (v, field) => {
  if (typeof v !== 'string' || !MAC.test(v)) throw invalidField(field, `'${show(v)}' is not a valid MAC address`);
  const normal = v.toLowerCase().replaceAll('-', ':');
  const first = Number.parseInt(normal.slice(0, 2), 16);
  if (normal === '00:00:00:00:00:00' || first & 1) {
    throw invalidField(field, `'${v}' is not a valid unicast MAC address`);
  }
  return normal;
};

export function oneOf<T extends string>(values: readonly T[]): Convert<T> {
  return (v, field) => {
    if (typeof v !== 'string' || !values.includes(v as T)) {
      throw invalidField(field, `'${show(v)}' is not in [${values.map((x) => `'${x}'`).join(', ')}]`);
    }
    return v as T;
  };
}

export function nullable<T>(convert: Convert<T>): Convert<T | null> {
  return (v, field) => (v === null ? null : convert(v, field));
}

export function listOf<T>(convert: Convert<T>, options: { unique?: boolean } = {}): Convert<T[]> {
  return (v, field) => {
    if (!Array.isArray(v)) throw invalidField(field, `'${show(v)}' is not a list`);
    if (options.unique) checkNoDuplicates(v, field);
    const out = v.map((item) => convert(item, field));
    if (options.unique) checkNoDuplicates(out, field);
    return out;
  };
}

/** Neutron's _validate_list_of_items: the duplicated items are named, each once. */
function checkNoDuplicates(items: readonly unknown[], field: string): void {
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const item of items) {
    const key = JSON.stringify(item);
    if (seen.has(key) && !dups.includes(key)) dups.push(key);
    seen.add(key);
  }
  if (dups.length > 0) {
    const shown = dups.map((d) => show(JSON.parse(d) as unknown));
    throw invalidField(field, `Duplicate items in the list: '${quote(shown.join(', '))}'`);
  }
}

/** An object whose keys are all declared; each value goes through its converter. */
export function dict<T>(shape: { [K in keyof T]: { convert: Convert<T[K]>; required?: boolean } }): Convert<T> {
  return (v, field) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw invalidField(field, `'${show(v)}' is not a dictionary`);
    }
    const input = v as Record<string, unknown>;
    const unknownKeys = Object.keys(input).filter((k) => !Object.hasOwn(shape, k));
    if (unknownKeys.length > 0) {
      throw invalidField(
        field,
        `Unrecognized keys in '${show(v)}': ${unknownKeys
          .slice(0, 10)
          .map((k) => quote(k, 40))
          .join(', ')}`,
      );
    }
    const out: Record<string, unknown> = {};
    for (const [key, spec] of Object.entries(shape) as [string, { convert: Convert<unknown>; required?: boolean }][]) {
      if (!Object.hasOwn(input, key) || input[key] === undefined) {
        if (spec.required) throw invalidField(field, `Validation of dictionary's keys failed. Expected keys: {'${key}'}`);
        continue;
      }
      out[key] = spec.convert(input[key], field);
    }
    return out as T;
  };
}

/** Any JSON object, kept as given (binding:profile). */
export const anyDict: Convert<Record<string, unknown>> = (v, field) => {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw invalidField(field, `'${show(v)}' is not a dictionary`);
  }
  return v as Record<string, unknown>;
};

/** Tags: strings of at most 255 characters without commas, as Neutron's tag extension. */
export const tag: Convert<string> = (v, field) => {
  const s = str(255)(v, field);
  if (s.length === 0 || s.includes(',')) throw invalidField(field, `'${s}' is not a valid tag`);
  return s;
};

/**
 * A port's security groups: null is the empty list (Neutron's convert_none_to_empty_list), and a
 * group named twice is a 400 (type:uuid_list), as measured on Neutron 21.
 */
export const uuidList: Convert<string[]> = (v, field) => (v === null ? [] : listOf(uuid, { unique: true })(v, field));

/**
 * An id Neutron takes as a plain string and looks up, so a malformed one is "not found" (404)
 * rather than invalid input: a rule's security_group_id and remote_group_id.
 */
export const lookupId: Convert<string> = (v, field) => (isUuid(v) ? v.toLowerCase() : str(255)(v, field));

/** An object attribute where null and {} both mean "none" (Neutron's type:dict_or_nodata). */
export function dictOrNone<T>(convert: Convert<T>): Convert<T | null> {
  return (v, field) => {
    if (v === null || (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)) return null;
    return convert(v, field);
  };
}
