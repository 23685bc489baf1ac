/**
 * Configuration of `quark metadata-api`: one schema with a default and help text on every key
 * (docs/config.md is generated from it). The shared secret comes from the config file or the
 * environment, never from a flag that `ps` would show.
 */
import { type Static, Type } from '@sinclair/typebox';

export const MetadataApiConfigSchema = Type.Object(
  {
    host: Type.String({ default: '127.0.0.1', description: 'Address the metadata API listens on (Nova: metadata_listen).' }),
    port: Type.Integer({
      default: 8775,
      minimum: 1,
      maximum: 65535,
      description: 'TCP port of the metadata API (Nova: metadata_listen_port).',
    }),
    server: Type.String({ default: 'http://127.0.0.1:9696', description: 'URL of the Quark server it reads ports from.' }),
    instances: Type.String({
      default: '',
      description: 'JSON file with what Nova would know of each instance: name, hostname, keys, user data (docs/metadata.md).',
    }),
    metadataProxySharedSecret: Type.String({
      default: '',
      description:
        'Secret shared with the metadata agents, which sign the instance id of each request (Nova: metadata_proxy_shared_secret).',
    }),
    authUrl: Type.String({
      default: '',
      description: "Identity endpoint for password login (default: the server's /identity/v3).",
    }),
    username: Type.String({ default: '', description: 'Keystone user it logs in as (admin role); empty: noauth.' }),
    password: Type.String({ default: '', description: 'Password of that user.' }),
    projectName: Type.String({ default: 'service', description: 'Project it scopes its token to.' }),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info', description: 'Log level of the JSON log on stderr.' },
    ),
  },
  { additionalProperties: false },
);

export type MetadataApiConfig = Static<typeof MetadataApiConfigSchema>;
