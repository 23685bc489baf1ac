/**
 * Host outputs saved from the havana lab (compute and network node): ofproto/trace, dpctl/show,
 * iptables-save -c, ipset save. Tests of the pure trace code read them as the agent would
 * read the host. Ids in them are those of that lab run.
 */
import { readFileSync } from 'node:fs';

const DIR = new URL('../../../src/trace/__fixtures__/', import.meta.url);

export function fixture(name: string): string {
  return readFileSync(new URL(name, DIR), 'utf8');
}

/** The havana lab run the fixtures come from. */
export const HAVANA = {
  vm1: { port: 'e25e6b51-2919-4be7-aa7a-991ba00d1b60', mac: 'fa:16:3e:51:8b:89', ip: '10.0.0.3' },
  vm2: { port: '270c41a8-db5b-4de9-988a-91db6dfcd364', mac: 'fa:16:3e:cb:43:7a', ip: '10.0.0.2' },
  vm3: { port: '5c87b7a3-3ab0-4f19-89f5-5fdad0ba3d84', mac: 'fa:16:3e:4f:fb:cb', ip: '10.0.0.3' },
  test1Net: 'b4c355d9-1f53-4d59-a665-b46819826a69',
  testNet: '4629f45a-c461-4325-a3c9-f06f3d7504a6',
  test1Default: '190a44a2-ca5b-4f83-98a6-',
  router: '3a9566e2-2fa2-4e22-b92c-0fd29db53bfe',
  qr: 'qr-6c893c94-c6',
  qg: 'qg-d8aaac23-67',
} as const;
