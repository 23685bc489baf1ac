/**
 * The URL patterns of the app's routes and their methods, so that a request no route matches
 * can be told apart: a URL that some route serves with other methods is 405 Method Not Allowed
 * (as Neutron answers), any other 404.
 */
export class RouteTable {
  private readonly routes = new Map<string, { readonly pattern: RegExp; readonly methods: Set<string> }>();

  add(url: string, method: string | readonly string[]): void {
    let route = this.routes.get(url);
    if (!route) {
      route = { pattern: patternOf(url), methods: new Set() };
      this.routes.set(url, route);
    }
    for (const m of typeof method === 'string' ? [method] : method) route.methods.add(m.toUpperCase());
  }

  /** Every route as `METHOD url` (fastify's URL syntax), sorted: what the authorization tests cover. */
  entries(): string[] {
    const out: string[] = [];
    for (const [url, r] of this.routes) for (const m of r.methods) out.push(`${m} ${url}`);
    return out.sort();
  }

  /** The methods some route serves `path` with (none: no route has this URL). */
  methodsFor(path: string): string[] {
    const methods = new Set<string>();
    for (const r of this.routes.values()) if (r.pattern.test(path)) for (const m of r.methods) methods.add(m);
    return [...methods].sort();
  }
}

/** Fastify's URL syntax as a regular expression: `:name` is one segment, `*` the rest. */
function patternOf(url: string): RegExp {
  const segments = url.split('/').map((s) => {
    if (s === '*') return '.*';
    if (s.startsWith(':')) return '[^/]+';
    return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  });
  return new RegExp(`^${segments.join('/')}$`);
}
