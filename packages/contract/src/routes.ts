/**
 * The HTTP API's routes, in one table: the CDK app builds API Gateway's resources from it,
 * the local server its routing, and each handler takes its methods and auth from its rows.
 * `handler` names the module under packages/collector/src/handlers/ (and its function);
 * one handler may serve several rows. `{name}` in a path is a path parameter.
 *
 * `answers: 'plausible'` marks a route that answers in Plausible's Stats API shape, errors
 * included (`{"error": "..."}`), rather than in the envelope.
 *
 * `auth` is what the key must allow (scopes in access.ts): `none` takes requests without
 * a key (a keyed POST of events is a backfill, which needs the `backfill` scope), `key`
 * any valid key, `read` and `admin` those scopes.
 */
export const ROUTES = [
  { path: '/api/events', method: 'POST', handler: 'events', auth: 'none' },
  { path: '/api/realtime', method: 'GET', handler: 'realtime', auth: 'read' },
  { path: '/api/stats', method: 'GET', handler: 'stats', auth: 'read' },
  { path: '/api/sites', method: 'GET', handler: 'sites', auth: 'read' },
  { path: '/api/sites', method: 'POST', handler: 'admin', auth: 'admin' },
  { path: '/api/sites/{site}', method: 'DELETE', handler: 'admin', auth: 'admin' },
  { path: '/api/sites/{site}/settings', method: 'GET', handler: 'admin', auth: 'read' },
  { path: '/api/sites/{site}/settings', method: 'PUT', handler: 'admin', auth: 'admin' },
  { path: '/api/keys', method: 'GET', handler: 'admin', auth: 'admin' },
  { path: '/api/keys', method: 'POST', handler: 'admin', auth: 'admin' },
  { path: '/api/keys/{name}', method: 'DELETE', handler: 'admin', auth: 'admin' },
  { path: '/api/key', method: 'GET', handler: 'admin', auth: 'key' },
  { path: '/api/v2/query', method: 'POST', handler: 'query', auth: 'read', answers: 'plausible' },
  { path: '/api/export', method: 'GET', handler: 'export', auth: 'read' },
] as const;

export type Route = (typeof ROUTES)[number];
export type RouteHandler = Route['handler'];
export type RouteAuth = Route['auth'];
export type RouteMethod = Route['method'];

/** The handlers' names, once each. */
export const ROUTE_HANDLERS: readonly RouteHandler[] = [...new Set(ROUTES.map((route) => route.handler))];

/** The rows a handler serves. */
export function routesOf(handler: RouteHandler): Route[] {
  return ROUTES.filter((route) => route.handler === handler);
}

/** Every path, once, with the methods it takes. */
export function pathsOf(): Map<string, RouteMethod[]> {
  const paths = new Map<string, RouteMethod[]>();
  for (const route of ROUTES) paths.set(route.path, [...(paths.get(route.path) ?? []), route.method]);
  return paths;
}

/**
 * The route a request path and method name, with its path parameters
 * (`/api/sites/a.example/settings` → `{site: 'a.example'}`). Parameters are one path
 * segment each, percent-decoded. `undefined` when no path matches; `{route: undefined}`
 * when the path matches but the method does not (a 405).
 */
export function matchRoute(
  path: string,
  method: string,
): { path: string; route: Route | undefined; params: Record<string, string> } | undefined {
  const segments = path.split('/');
  for (const [pattern, methods] of pathsOf()) {
    const parts = pattern.split('/');
    if (parts.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let matches = true;
    for (let i = 0; i < parts.length && matches; i++) {
      const part = parts[i]!;
      const segment = segments[i]!;
      if (part.startsWith('{') && part.endsWith('}')) {
        let value: string;
        try {
          value = decodeURIComponent(segment);
        } catch {
          value = '';
        }
        if (!value) matches = false;
        else params[part.slice(1, -1)] = value;
      } else if (part !== segment) matches = false;
    }
    if (!matches) continue;
    const route = methods.includes(method as RouteMethod) ? ROUTES.find((r) => r.path === pattern && r.method === method) : undefined;
    return { path: pattern, route, params };
  }
  return undefined;
}
