/**
 * The HTTP API's routes, in one table: the CDK app builds API Gateway's resources from it,
 * the local server its routing, and each handler takes its method and auth from its row.
 * `handler` names the module under packages/collector/src/handlers/ (and its function).
 */
export const ROUTES = [
  { path: '/api/events', method: 'POST', handler: 'events', auth: 'none' },
  { path: '/api/realtime', method: 'GET', handler: 'realtime', auth: 'read' },
  { path: '/api/stats', method: 'GET', handler: 'stats', auth: 'read' },
  { path: '/api/sites', method: 'GET', handler: 'sites', auth: 'read' },
] as const;

export type Route = (typeof ROUTES)[number];
export type RouteHandler = Route['handler'];

export function routeOf(handler: RouteHandler): Route {
  return ROUTES.find((route) => route.handler === handler)!;
}
