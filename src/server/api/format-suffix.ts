/**
 * Neutron's routes take a format suffix on every path of the API (`/v2.0/networks.json`,
 * `/v2.0/quotas/{id}/details.json`) and JSON is the only format left, so `.json` at the end of a
 * /v2.0 path is dropped before routing. Other paths (identity, Quark's own) are left as they are.
 */
export function dropJsonSuffix(url: string): string {
  const query = url.indexOf('?');
  const path = query < 0 ? url : url.slice(0, query);
  if (!path.startsWith('/v2.0/') || !path.endsWith('.json')) return url;
  return path.slice(0, -'.json'.length) + (query < 0 ? '' : url.slice(query));
}
