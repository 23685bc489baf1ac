/**
 * The web view's server side (docs/web.md): its files at `/ui/` and the event stream it
 * follows. Registered by app.ts with one call.
 */
import type { FastifyInstance } from 'fastify';
import { type EventRouteDeps, registerEventRoutes } from './events.js';
import { registerWebFiles } from './static.js';

export function registerWeb(app: FastifyInstance, deps: EventRouteDeps): void {
  registerWebFiles(app);
  registerEventRoutes(app, deps);
}
