/**
 * Resolves the API the server offers: the core resources plus every loaded extension's
 * resources and attributes, merged in load order (a later extension may refine an attribute,
 * as net-mtu-writable does for mtu).
 */
import type { AttributeMap, ExtensionDeclaration, ResourceDeclaration } from './attribute.js';

export interface ApiRegistry {
  /** Resources by collection path (`networks`, `security-groups`). */
  readonly resources: ReadonlyMap<string, ResourceDeclaration>;
  readonly extensions: readonly ExtensionDeclaration[];
}

export function buildRegistry(core: readonly ResourceDeclaration[], extensions: readonly ExtensionDeclaration[]): ApiRegistry {
  const attributes = new Map<string, Record<string, AttributeMap[string]>>();
  const declared = new Map<string, ResourceDeclaration>();
  const add = (r: ResourceDeclaration) => {
    declared.set(r.collection, r);
    attributes.set(r.collection, { ...r.attributes });
  };
  core.forEach(add);
  for (const ext of extensions) ext.resources?.forEach(add);
  for (const ext of extensions) {
    for (const [collection, attrs] of Object.entries(ext.attributes ?? {})) {
      const target = attributes.get(collection);
      if (!target) throw new Error(`extension ${ext.alias} extends unknown resource ${collection}`);
      Object.assign(target, attrs);
    }
  }
  const resources = new Map<string, ResourceDeclaration>();
  for (const [collection, r] of declared) {
    resources.set(r.path, { ...r, attributes: attributes.get(collection)! });
  }
  return { resources, extensions };
}
