import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import multipart from '@fastify/multipart';
import { type INestApplication, RequestMethod, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { AppModule } from 'src/app.module';
import { createValidationPipe } from 'src/common/validation';
import type { EnvironmentVariables } from 'src/config/environment';
import type { DatabaseTarget } from 'src/database/database-target';
import { mountOpenApi } from 'src/openapi/openapi';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import { MalformedBodyError } from 'src/common/errors';
import {
  frameworkErrorHandler,
  PROBLEM_CONTENT_TYPE,
  problemType,
} from 'src/common/problem-details.filter';

export const API_PREFIX = 'api/v1';
/** Paths served at the root rather than under the API prefix. */
export const ROOT_PATHS = [
  'health',
  'metrics',
  'docs',
  'docs-json',
  '.well-known/{*path}',
  'verify/{*path}',
  'registry',
];

// One log line per request, when it completes (with its id, status and time), not two.
class CompletedRequestsOnly extends LogController {
  override incomingRequest(): void {}
}

const JSON_BODY_LIMIT = 1024 * 1024;
/** Request line and headers together; beyond it Node answers 431 before any routing. */
export const MAX_HEADER_BYTES = 16 * 1024;
const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Builds the HTTP application: Fastify, security headers, validation, OpenAPI. Not listening yet. */
export async function createApp(
  env: EnvironmentVariables,
  database: DatabaseTarget,
  options: { preview?: boolean; extraModules?: Type[] } = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: JSON_BODY_LIMIT,
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // Requests Node cannot parse (headers too large, malformed) get problem+json too.
    clientErrorHandler,
    // A URL Fastify cannot route (broken percent-encoding, a parameter too long) is answered as
    // problem+json too.
    frameworkErrors: frameworkErrorHandler,
    trustProxy: env.TRUST_PROXY_HOPS || false,
    logger: env.LOG_LEVEL === 'silent' ? false : { level: env.LOG_LEVEL },
    logController: new CompletedRequestsOnly(),
    requestIdHeader: false,
    // A caller's request id is kept when it is sane, so that logs join up across services.
    genReqId: (req: IncomingMessage) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(database, options.extraModules),
    adapter,
    {
      bufferLogs: false,
      bodyParser: false, // our own JSON parser, below
      // Preview builds the routes without instantiating providers (no database): enough for the
      // OpenAPI document.
      preview: options.preview ?? false,
      logger: nestLogLevels(env.LOG_LEVEL),
    },
  );
  configureApp(app, env);
  if (env.CORS_ORIGINS?.length) {
    app.enableCors({
      origin: env.CORS_ORIGINS,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      exposedHeaders: ['x-request-id', 'etag', 'location', 'retry-after'],
      maxAge: 600,
    });
  }
  await app.register(multipart, {
    // Evidence is streamed to storage; these caps bound what one request may carry.
    limits: { fileSize: env.EVIDENCE_MAX_BYTES, files: 1, fields: 5, fieldSize: 1024, parts: 6 },
  });
  const fastify = app.getHttpAdapter().getInstance();
  const security = await securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: [`'self'`],
        styleSrc: [`'self'`, `'unsafe-inline'`],
        imgSrc: [`'self'`, 'data:'],
        scriptSrc: [`'self'`, `'unsafe-inline'`],
      },
    },
  });
  fastify.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of security) {
      reply.raw.setHeader(name, value);
    }
    done();
  });
  fastify.addHook('onSend', (request, reply, _payload, done) => {
    void reply.header('x-request-id', request.id);
    done();
  });
  useStrictJsonParser(fastify);
  return app;
}

/**
 * The headers @fastify/helmet sets with these options, read once from a throw-away instance: the
 * plugin builds helmet's middleware anew on every request (parsing the CSP directives each time),
 * for headers that, without nonces or per-route options, are the same for every request.
 */
async function securityHeaders(options: FastifyHelmetOptions): Promise<[string, string][]> {
  const probe = Fastify({ logger: false });
  await probe.register(helmet, options);
  probe.get('/', () => '');
  const plain = Fastify({ logger: false });
  plain.get('/', () => '');
  try {
    const [secured, bare] = await Promise.all([probe.inject('/'), plain.inject('/')]);
    return Object.entries(secured.headers)
      .filter(([name]) => !(name in bare.headers))
      .map(([name, value]) => [name, String(value)]);
  } finally {
    await Promise.all([probe.close(), plain.close()]);
  }
}

/**
 * Fastify's JSON parser, with prototype poisoning refused, whose failures become our own
 * `REQUEST.MALFORMED_JSON` problem instead of an anonymous 400.
 */
function useStrictJsonParser(fastify: FastifyInstance) {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) =>
    parse(request, body.toString(), (error: Error | null, value?: unknown) =>
      error ? done(new MalformedBodyError(error.message), undefined) : done(null, value),
    ),
  );
}

function configureApp(app: INestApplication, env: EnvironmentVariables) {
  app.setGlobalPrefix(API_PREFIX, {
    exclude: ROOT_PATHS.map((path) => ({ path, method: RequestMethod.ALL })),
  });
  app.useGlobalPipes(createValidationPipe());
  if (env.DOCS_ENABLED) {
    mountOpenApi(app);
  }
}

/**
 * Answers a request Node could not parse, before Fastify sees it, as problem+json: 431 when its
 * headers exceed {@link MAX_HEADER_BYTES}, 408 on a timeout, 400 otherwise.
 */
function clientErrorHandler(error: Error & { code?: string }, socket: Socket) {
  if (error.code === 'ECONNRESET' || socket.destroyed) {
    return;
  }
  const [status, code, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'REQUEST.HEADERS_TOO_LARGE', `Request headers exceed ${MAX_HEADER_BYTES} bytes`]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'REQUEST.TIMEOUT', 'The request was not received in time']
        : [400, 'REQUEST.MALFORMED', 'The request could not be parsed as HTTP'];
  const title = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({ type: problemType(code), title, status, detail, code });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}

function nestLogLevels(level: EnvironmentVariables['LOG_LEVEL']) {
  const order = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
  const cut: Record<EnvironmentVariables['LOG_LEVEL'], number> = {
    silent: 0,
    fatal: 1,
    error: 2,
    warn: 3,
    info: 4,
    debug: 5,
    trace: 6,
  };
  return [...order.slice(0, cut[level])];
}
