/**
 * Every error answer of the server is Neutron's body (Keystone's on the identity API and for
 * 401s), with `Content-Type: application/json`: the ones the routes throw, the ones the
 * framework makes (a bad URL encoding, a parameter over its length, a body over its limit), and
 * the ones Node's HTTP parser writes to the socket itself (a malformed request line, headers over
 * their size, a request that did not arrive in time), which otherwise have no body at all.
 */
import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { QuarkError } from '../model/errors.js';
import { errorHeaders, fromFrameworkError, logFailure, renderError } from './api/neutron-error.js';
import { IDENTITY_PATH } from './identity/catalog.js';
import { sendKeystoneError } from './identity/identity-api.js';
import type { RouteTable } from './route-table.js';

/** Path prefixes of the identity API, whose errors are Keystone's. */
export const IDENTITY_ROOTS = [IDENTITY_PATH, '/v3'] as const;

export function isIdentityPath(url: string): boolean {
  const path = url.split('?')[0]!;
  return IDENTITY_ROOTS.some((p) => path === p || path.startsWith(`${p}/`));
}

export function sendNeutronError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  const rendered = renderError(error);
  logFailure(request.log, request, rendered.status, error);
  errorHeaders(reply, error);
  reply.code(rendered.status).type('application/json').send(rendered.body);
}

/**
 * The root error handler and the answer to URLs no route serves. `authUrl` is where a 401 of
 * the network API sends clients to get a token (keystonemiddleware answers those in Keystone's
 * shape in front of Neutron).
 */
export function answerErrors(app: FastifyInstance, routes: RouteTable, authUrl: (request: FastifyRequest) => string): void {
  app.setErrorHandler((error, request, reply) => {
    const failure = fromFrameworkError(error);
    if (failure instanceof QuarkError && failure.code === 'NotAuthenticated') {
      return sendKeystoneError(request, reply, failure, authUrl(request));
    }
    sendNeutronError(request, reply, failure);
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = routes.methodsFor(path);
    if (allowed.length > 0) {
      reply.header('allow', allowed.join(', '));
      return sendNeutronError(
        request,
        reply,
        new QuarkError('HTTPMethodNotAllowed', `The method ${request.method} is not allowed for ${path}.`),
      );
    }
    sendNeutronError(
      request,
      reply,
      new QuarkError('HTTPNotFound', `The resource could not be found: ${request.method} ${path}`),
    );
  });
}

/** Fastify's `frameworkErrors`: a URL it could not route (bad %-encoding: 400; a parameter over maxParamLength: 414). */
export function answerFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const failure = fromFrameworkError(error, isIdentityPath(request.url) ? 'ValidationError' : 'HTTPBadRequest');
  if (isIdentityPath(request.url)) sendKeystoneError(request, reply, failure, '');
  else sendNeutronError(request, reply, failure);
}

/** Node's `clientError` codes and the answer each gets; any other parse error is a 400. */
const CLIENT_ERRORS: Readonly<Record<string, { status: number; code: QuarkError['code']; message: string }>> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'HTTPRequestTimeout',
    message: 'The request did not arrive within the time the server allows.',
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'HTTPRequestHeaderFieldsTooLarge',
    message: 'The request line and headers are larger than the server accepts.',
  },
};

/**
 * Node's `clientError` listener: writes the answer to a request its parser refused straight to
 * the socket (no route ran, so the body is always Neutron's), then closes it.
 */
export function answerClientError(log: () => FastifyBaseLogger): (error: Error & { code?: string }, socket: Socket) => void {
  return (error, socket) => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const known = CLIENT_ERRORS[error.code ?? ''];
    const status = known?.status ?? 400;
    const failure = new QuarkError(known?.code ?? 'HTTPBadRequest', known?.message ?? 'Malformed request.');
    log().info({ status, code: failure.code, reason: error.code }, failure.message);
    // A response already under way on this socket cannot take a second one.
    const answering = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent === true;
    if (socket.writable && !answering) {
      const body = JSON.stringify(renderError(failure).body);
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
