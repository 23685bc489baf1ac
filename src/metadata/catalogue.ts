/**
 * What Nova knows of an instance and Quark does not: its name, hostname, availability zone, SSH
 * keys and user data. Without Nova, whoever boots instances (the lab) writes them to a JSON file
 * the backend reads on every request, keyed by instance id (the ports' device_id):
 *
 *   { "instances": { "6f0c…": { "name": "vm1", "hostname": "vm1", "availability_zone": "nova",
 *                               "public_keys": { "lab": "ssh-ed25519 AAAA…" },
 *                               "user_data": "#cloud-config\n…", "meta": { "role": "web" } } } }
 *
 * An instance the file does not name still has its identity (uuid = device_id, name from its
 * port) and network data: the file only adds what Nova would.
 */
import { readFileSync } from 'node:fs';

export interface InstanceRecord {
  readonly name?: string;
  readonly hostname?: string;
  readonly availability_zone?: string;
  /** Key name → public key (OpenSSH format). */
  readonly public_keys?: Readonly<Record<string, string>>;
  readonly user_data?: string;
  /** Free key/value metadata (Nova's `meta`). */
  readonly meta?: Readonly<Record<string, string>>;
}

export interface Catalogue {
  readonly instances: Readonly<Record<string, InstanceRecord>>;
}

/** The catalogue in `path`, or an empty one when there is no such file (or no path). */
export function readCatalogue(path: string): Catalogue {
  if (!path) return { instances: {} };
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { instances: {} };
  }
  const parsed = JSON.parse(text) as Partial<Catalogue>;
  return { instances: parsed.instances ?? {} };
}
