import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Authorizer } from '../auth/attributes.js';
import { forbiddenError } from '../auth/forbidden.js';
import { applyImpersonation } from '../auth/impersonation.js';
import { parseRequestInfo, type RequestInfo } from '../auth/request-info.js';
import type { UserInfo } from '../auth/user-info.js';
import { isStatusError, statusErrors } from '../errors/status-error.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { ResourceCatalog } from '../registry/resource-catalog.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { acceptsOpenApiV2Protobuf, OPENAPI_V2_PROTOBUF_MEDIA_TYPE } from '../protobuf/index.js';
import { authenticate, type TokenAuthenticator } from './authentication.js';
import { Discovery, SERVER_VERSION } from './discovery.js';
import { negotiate, parseAccept } from './negotiation.js';
import type { OpenApiV3 } from './openapi.js';
import { readBody, decodeJsonOrYaml } from './request-body.js';
import type { ResourceHandler, ProtobufDecoder } from './resource-handler.js';
import { toStatusError, writeJson, writeStatusError, writeText } from './respond.js';
import { mediaType } from './negotiation.js';
import { type PodPortConnector, PortForwardHandler, responseOnUpgradeSocket } from './port-forward.js';

export interface TlsMaterial {
  /** Serving certificate and key (PEM). */
  cert: string;
  key: string;
  /** CA that signs client certificates (PEM). */
  clientCa: string;
}

/** A create-only virtual resource (access reviews, token reviews): body in, status out. */
export type VirtualCreate = (body: KubeObject, user: UserInfo, namespace: string | undefined) => KubeObject;

export interface ApiServerOptions {
  catalog: ResourceCatalog;
  registry: GenericRegistry;
  handler: ResourceHandler;
  openapi: OpenApiV3;
  authorizer: Authorizer;
  tokens?: TokenAuthenticator;
  tls: TlsMaterial;
  /** Encodes the minimal protobuf OpenAPI v2 document kubectl's apply path asks for. */
  openApiV2?: () => Uint8Array;
  decodeProtobuf?: ProtobufDecoder;
  /** Keyed by `<group>/<plural>`. */
  virtualCreates?: Record<string, VirtualCreate>;
  /**
   * Serves `pods/portforward` WebSocket upgrades by opening streams through this connector (the part a
   * kubelet plays). Without it the subresource is not served.
   */
  portForward?: PodPortConnector;
  /** Called for every answered request (logs, metrics). */
  onRequest?: (entry: { method: string; path: string; code: number; user: string; ms: number }) => void;
}

const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version', '/version/']);

/**
 * The HTTPS front of the embedded Kubernetes API server: authentication (client certificates, bearer
 * tokens), impersonation, RBAC authorization, discovery, OpenAPI, and dispatch of resource requests.
 */
export class ApiServer {
  #o: ApiServerOptions;
  #discovery: Discovery;
  #server: Server | undefined;
  #sockets = new Set<Duplex>();
  #ready = false;
  #listening = false;
  #closed = false;
  #portForward: PortForwardHandler | undefined;

  constructor(options: ApiServerOptions) {
    this.#o = options;
    this.#discovery = new Discovery(options.catalog);
    if (options.portForward) {
      const pods = options.catalog.get('', 'v1', 'pods');
      this.#portForward = new PortForwardHandler({
        connector: options.portForward,
        authorizer: options.authorizer,
        lookupPod: (namespace, name) => (pods ? options.registry.tryGet(pods, namespace, name) : undefined),
      });
    }
  }

  get url(): string {
    const addr = (this.#listening ? this.#server?.address() : undefined) as AddressInfo | undefined;
    if (!addr) throw new Error('the API server is not listening');
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return `https://${host}:${addr.port}`;
  }

  async listen(host: string, port: number): Promise<void> {
    const server = this.#httpsServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#listening = true;
  }

  /**
   * Serves a connection accepted elsewhere (a listener shared or owned by someone else, such as the port of a
   * simulated workload cluster that exists before its API server starts, or one end of an in-process stream
   * such as a simulated `pods/portforward` tunnel). TLS happens here, as on `listen`.
   */
  acceptConnection(socket: Duplex): void {
    if (this.#closed) {
      socket.destroy();
      return;
    }
    this.#httpsServer().emit('connection', socket);
  }

  async close(): Promise<void> {
    this.#ready = false;
    this.#closed = true;
    const server = this.#server;
    if (!server) return;
    for (const s of this.#sockets) s.destroy();
    if (this.#listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.#server = undefined;
    this.#listening = false;
  }

  /** The HTTPS server, created once; it may listen itself or only serve handed-over connections. */
  #httpsServer(): Server {
    if (this.#server) return this.#server;
    const server = createServer(
      {
        cert: this.#o.tls.cert,
        key: this.#o.tls.key,
        ca: this.#o.tls.clientCa,
        requestCert: true,
        rejectUnauthorized: false,
        keepAliveTimeout: 60_000,
      },
      (req, res) => void this.#handle(req, res),
    );
    server.on('connection', (socket: Duplex) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('tlsClientError', () => undefined);
    // Without an 'upgrade' listener Node answers upgrade requests as ordinary ones, which is what every path
    // but pods/portforward wants; so the listener exists only when port forwarding is served.
    const forward = this.#portForward;
    if (forward) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
        this.#upgrade(req, socket, head, forward),
      );
    }
    server.headersTimeout = 30_000;
    server.requestTimeout = 0; // watches are long-lived
    this.#server = server;
    this.#ready = true;
    return server;
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    let userName = 'system:anonymous';
    res.on('finish', () =>
      this.#o.onRequest?.({
        method: req.method ?? '',
        path: req.url ?? '',
        code: res.statusCode,
        user: userName,
        ms: Date.now() - started,
      }),
    );
    try {
      const url = new URL(req.url ?? '/', 'https://localhost');
      const path = url.pathname;
      if (
        path === '/healthz' ||
        path === '/livez' ||
        path === '/readyz' ||
        path.startsWith('/healthz/') ||
        path.startsWith('/livez/') ||
        path.startsWith('/readyz/')
      ) {
        if (path.startsWith('/readyz') && !this.#ready) return writeText(res, 500, 'not ready');
        return writeText(res, 200, 'ok');
      }
      const { user, authenticated } = this.#authenticate(req, path);
      userName = user.name;
      const info = parseRequestInfo(req.method ?? 'GET', path, url.searchParams);
      if (authenticated || !PUBLIC_PATHS.has(path)) this.#authorize(user, info);
      if (!info.isResourceRequest) return this.#nonResource(req, res, info, url);
      await this.#resource(req, res, info, url, user);
    } catch (err) {
      if (res.headersSent) {
        if (!res.writableEnded) res.end();
        return;
      }
      const status = toStatusError(err);
      if (!isStatusError(err)) console.error('apiserver: unexpected error', err);
      writeStatusError(res, status);
    }
  }

  /** Who is asking (client certificate or bearer token, then impersonation); a bad or missing credential is a 401. */
  #authenticate(req: IncomingMessage, path: string): { user: UserInfo; authenticated: boolean } {
    const authn = authenticate(req, this.#o.tokens);
    if (authn === 'invalid' || (!authn.authenticated && !PUBLIC_PATHS.has(path)))
      throw statusErrors.unauthorized();
    const user = applyImpersonation(authn.user, req.headersDistinct, this.#o.authorizer);
    return { user, authenticated: authn.authenticated };
  }

  #authorize(user: UserInfo, info: RequestInfo): void {
    const decision = this.#o.authorizer.authorize(user, info);
    if (!decision.allowed) throw forbiddenError(user, info, decision.reason);
  }

  /**
   * An upgrade request: pods/portforward becomes a WebSocket tunnel after the same authentication and
   * authorization as any request; every other path, and every refusal, is answered as plain HTTP.
   */
  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, forward: PortForwardHandler): void {
    socket.on('error', () => socket.destroy());
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'https://localhost');
    let info: RequestInfo;
    try {
      info = parseRequestInfo(req.method ?? 'GET', url.pathname, url.searchParams);
    } catch {
      return void this.#handle(req, responseOnUpgradeSocket(req, socket));
    }
    if (req.method !== 'GET' || !PortForwardHandler.matches(info)) {
      return void this.#handle(req, responseOnUpgradeSocket(req, socket));
    }
    let userName = 'system:anonymous';
    const log = (code: number): void =>
      this.#o.onRequest?.({
        method: req.method ?? '',
        path: req.url ?? '',
        code,
        user: userName,
        ms: Date.now() - started,
      });
    try {
      const { user } = this.#authenticate(req, url.pathname);
      userName = user.name;
      this.#authorize(user, info);
      forward.upgrade(req, socket, head, { user, info, query: url.searchParams });
      log(101);
    } catch (err) {
      const status = toStatusError(err);
      if (!isStatusError(err)) console.error('apiserver: unexpected error', err);
      writeStatusError(responseOnUpgradeSocket(req, socket), status);
      log(status.code);
    }
  }

  #nonResource(req: IncomingMessage, res: ServerResponse, info: RequestInfo, url: URL): void {
    const path = info.path.replace(/\/+$/, '') || '/';
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw statusErrors.methodNotAllowed('the server does not allow this method on the requested resource');
    const accept = parseAccept(req.headers.accept);
    if (path === '/version') return writeJson(res, 200, SERVER_VERSION);
    if (path === '/api' || path === '/apis') {
      const shape = negotiate(accept, { discovery: true });
      if (shape?.kind === 'discovery') {
        const doc = this.#discovery.aggregated(path === '/api' ? 'api' : 'apis', shape.version);
        return this.#cacheable(
          req,
          res,
          doc,
          `application/json;g=apidiscovery.k8s.io;v=${shape.version};as=APIGroupDiscoveryList`,
        );
      }
      if (path === '/api')
        return writeJson(res, 200, this.#discovery.apiVersions(req.headers.host ?? 'localhost'));
      return this.#cacheable(req, res, this.#discovery.apiGroupList(), 'application/json');
    }
    const parts = path.split('/').filter(Boolean);
    if (parts[0] === 'api' && parts.length === 2) {
      const list = this.#discovery.resourceList('', parts[1]!);
      if (list) return this.#cacheable(req, res, list, 'application/json');
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const group = this.#discovery.apiGroup(parts[1]!);
      if (group) return writeJson(res, 200, group);
    }
    if (parts[0] === 'apis' && parts.length === 3) {
      const list = this.#discovery.resourceList(parts[1]!, parts[2]!);
      if (list) return this.#cacheable(req, res, list, 'application/json');
    }
    if (path === '/openapi/v3') return writeJson(res, 200, this.#o.openapi.root());
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.#o.openapi.document(path.slice('/openapi/v3/'.length));
      if (doc) {
        const immutable = url.searchParams.get('hash') === doc.hash;
        return writeJson(res, 200, doc.doc, 'application/json', {
          ETag: `"${doc.hash}"`,
          'Cache-Control': immutable ? 'public, immutable' : 'no-cache, private',
        });
      }
    }
    if ((path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') && this.#o.openApiV2) {
      if (acceptsOpenApiV2Protobuf(req.headers.accept)) {
        const body = Buffer.from(this.#o.openApiV2());
        // kube-openapi answers with the ".v1.0" spelling: Go's mime parser rejects the "@" clients send.
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_MEDIA_TYPE, 'Content-Length': body.length });
        res.end(body);
        return;
      }
      return writeJson(res, 200, {
        swagger: '2.0',
        info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
        paths: {},
      });
    }
    throw statusErrors.notFoundPath();
  }

  #cacheable(
    req: IncomingMessage,
    res: ServerResponse,
    doc: { body: unknown; etag: string },
    contentType: string,
  ): void {
    if (req.headers['if-none-match'] === doc.etag) {
      res.writeHead(304, { ETag: doc.etag, Vary: 'Accept' });
      res.end();
      return;
    }
    writeJson(res, 200, doc.body, contentType, { ETag: doc.etag, Vary: 'Accept', 'Cache-Control': 'public' });
  }

  async #resource(
    req: IncomingMessage,
    res: ServerResponse,
    info: RequestInfo,
    url: URL,
    user: UserInfo,
  ): Promise<void> {
    const def = this.#o.catalog.get(info.apiGroup, info.apiVersion, info.resource);
    if (!def) throw statusErrors.notFoundPath();
    if (def.namespaced && !info.namespace && info.name && info.verb !== 'list' && info.verb !== 'watch')
      throw statusErrors.notFoundPath();
    if (!def.namespaced && info.namespace && !(info.apiGroup === '' && info.resource === 'namespaces'))
      throw statusErrors.notFoundPath();
    const virtual = this.#o.virtualCreates?.[`${def.group}/${def.plural}`];
    if (virtual) {
      if (info.verb !== 'create')
        throw statusErrors.methodNotAllowed(
          'the server does not allow this method on the requested resource',
        );
      const body = await readBody(req);
      const media = mediaType(req.headers['content-type']);
      const obj =
        media === 'application/vnd.kubernetes.protobuf' && this.#o.decodeProtobuf
          ? this.#o.decodeProtobuf(body).object
          : (decodeJsonOrYaml(body, media) as KubeObject);
      return writeJson(res, 201, virtual(obj, user, info.namespace || undefined));
    }
    await this.#o.handler.handle(
      def,
      {
        verb: info.verb,
        namespace: def.namespaced ? info.namespace || undefined : undefined,
        name: info.name || undefined,
        subresource: info.subresource || undefined,
        query: url.searchParams,
        user,
        userAgent: req.headers['user-agent'] ?? '',
      },
      req,
      res,
    );
  }
}
