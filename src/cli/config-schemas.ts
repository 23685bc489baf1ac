/** The configuration schema of every process the `quark` binary starts, for docs/config.md. */
import type { ProcessSchema } from '../model/config-doc.js';
import { AgentConfigSchema } from '../agent/config.js';
import { MetadataApiConfigSchema } from '../metadata/config.js';
import { ServerConfigSchema } from '../server/config.js';

export const schemas: readonly ProcessSchema[] = [
  { command: 'quark server', summary: 'The API server and its store.', schema: ServerConfigSchema },
  {
    command: 'quark agent',
    summary: 'The host agent (L2 with Open vSwitch or Linux bridge, DHCP and L3 roles).',
    schema: AgentConfigSchema,
  },
  {
    command: 'quark metadata-api',
    summary: "The built-in metadata backend, for clouds without Nova's metadata API.",
    schema: MetadataApiConfigSchema,
  },
];
