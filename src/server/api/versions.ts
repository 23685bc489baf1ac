/** The version documents at `GET /` and `GET /v2.0`, and the extensions list. */
import type { ExtensionDeclaration } from '../../model/api/attribute.js';
import type { ApiRegistry } from '../../model/api/registry.js';
import { QuarkError } from '../../model/errors.js';

export function versionsDocument(baseUrl: string) {
  return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${baseUrl}/v2.0/`, rel: 'self' }] }] };
}

export function resourcesDocument(registry: ApiRegistry, baseUrl: string) {
  return {
    resources: [...registry.resources.values()]
      .filter((r) => !r.parent)
      .map((r) => ({
        name: r.member,
        collection: r.collection,
        links: [{ href: `${baseUrl}/v2.0/${r.path}`, rel: 'self' }],
      })),
  };
}

function renderExtension(e: ExtensionDeclaration) {
  return { name: e.name, alias: e.alias, description: e.description, updated: e.updated, links: [] };
}

export function extensionsDocument(registry: ApiRegistry) {
  return { extensions: registry.extensions.map(renderExtension) };
}

export function extensionDocument(registry: ApiRegistry, alias: string) {
  const e = registry.extensions.find((x) => x.alias === alias);
  if (!e) throw new QuarkError('ExtensionNotFound', `Extension with alias ${alias} does not exist`);
  return { extension: renderExtension(e) };
}
