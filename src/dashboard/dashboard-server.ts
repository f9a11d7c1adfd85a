import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { ClusterNotFoundError, MachineNotFoundError } from '../clusterctl/errors.js';
import type { Reader, Watcher } from '../controller-runtime/client/client.js';
import { silentLogger } from '../controller-runtime/log/logger.js';
import { DashboardAuth } from './auth.js';
import { ChangeFeed, type ChangeFeedOptions } from './change-feed.js';
import { html, type Html } from './html.js';
import { StaticAssets } from './static-assets.js';
import { loadClusterDetails, renderClusterDetails } from './views/cluster-view.js';
import { clusterPath } from './views/format.js';
import { loadFleet, renderFleet, renderFleetFilter } from './views/fleet-view.js';
import { type PageParts, renderPage } from './views/layout.js';
import { loadMachineDetails, renderMachineDetails } from './views/machine-view.js';

/** The port `capi up` serves the dashboard on unless told otherwise (the next ones when it is busy). */
export const DEFAULT_DASHBOARD_PORT = 6080;
/** How many ports after the default one are tried, as Jupyter does. */
export const DEFAULT_DASHBOARD_PORT_RETRIES = 50;

export interface DashboardTls {
  certificatePem: string;
  privateKeyPem: string;
  /** Requests with a client certificate this CA signed need no token. */
  clientCaPem?: string;
}

export interface DashboardServerOptions {
  /** Reads and watches: the manager's API client (any kube-apiserver). */
  client: Reader & Watcher;
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When `port` is busy, try up to this many of the following ports (for a default port). Default 0. */
  portRetries?: number;
  /** Added to the one-line error when the port is busy (which flag picks another). */
  portInUseHint?: string;
  /** The access token (`generateDashboardToken()` or what the operator configured). */
  token: string;
  /** Serve HTTPS; with `clientCaPem`, also let in verified client certificates. */
  tls?: DashboardTls;
  logger?: Logger;
  /** Comment lines that keep idle event streams (and proxies) open. Default 15 s. */
  keepAliveMs?: number;
  /** At most one `change` event per connection this often. Default 1 s. */
  minEventIntervalMs?: number;
  feed?: Omit<ChangeFeedOptions, 'client' | 'logger'>;
  /** The clock ages are shown against (tests pin it). */
  now?: () => Date;
}

/** The port (or every port of the range) the dashboard was to listen on is taken. */
export class DashboardPortInUseError extends Error {
  override readonly name = 'DashboardPortInUseError';
  constructor(
    readonly host: string,
    readonly port: number,
    readonly lastPort: number,
    hint?: string,
  ) {
    super(
      (lastPort === port
        ? `the dashboard cannot listen on ${hostPort(host, port)}: the port is already in use`
        : `the dashboard cannot listen on ${host}: ports ${port}-${lastPort} are all in use`) +
        (hint ? ` (${hint})` : ''),
    );
  }
}

const SECURITY_HEADERS: Record<string, string> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  // The token is in the first URL; no other site may learn it from a Referer.
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** How a page reads its data and renders it, alone (a fragment) or inside the page layout. */
interface View<T> {
  load: () => Promise<T>;
  render: (value: T) => Html;
  page: (value: T, content: Html) => PageParts;
  fragmentHeaders?: Record<string, string>;
}

interface Response {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * The read-only fleet dashboard: server-rendered pages (fleet, cluster, machine) that htmx refreshes in place
 * when the server-sent event stream says something changed. Every request needs the token (or a verified
 * client certificate); only GET and HEAD are served.
 */
export class DashboardServer {
  readonly #options: DashboardServerOptions;
  readonly #server: http.Server;
  #auth!: DashboardAuth;
  readonly #feed: ChangeFeed;
  readonly #assets = new StaticAssets();
  readonly #streams = new Set<http.ServerResponse>();
  readonly #log: Logger;
  #port = 0;

  private constructor(options: DashboardServerOptions) {
    this.#options = options;
    this.#log = (options.logger ?? silentLogger()).child({ component: 'dashboard' });
    this.#feed = new ChangeFeed({ ...options.feed, client: options.client, logger: this.#log });
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      void this.#handle(req, res).catch((err: unknown) => {
        this.#log.error({ err: (err as Error).message, url: req.url }, 'dashboard request failed');
        if (!res.headersSent) {
          res.writeHead(500, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' });
        }
        res.end('internal error\n');
      });
    };
    const tls = options.tls;
    this.#server = tls
      ? https.createServer(
          {
            cert: tls.certificatePem,
            key: tls.privateKeyPem,
            ...(tls.clientCaPem
              ? // Ask for a certificate but do not require one: without it, the token still works.
                { ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: false }
              : {}),
          },
          handler,
        )
      : http.createServer(handler);
    if (options.token === '') throw new Error('the dashboard token is empty');
  }

  /** Listens (trying the next ports when asked to) and resolves once it does. */
  static async start(options: DashboardServerOptions): Promise<DashboardServer> {
    const server = new DashboardServer(options);
    await server.#listen();
    return server;
  }

  get port(): number {
    return this.#port;
  }

  /** `http://127.0.0.1:6080/`: where the dashboard is, without the token. */
  get url(): string {
    const { host } = this.#options;
    // Bound to every interface: the loopback address is the one that surely reaches it.
    const shown = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
    return `${this.#options.tls ? 'https' : 'http'}://${hostPort(shown, this.#port)}/`;
  }

  /** The URL to open: `url` with `?token=`. */
  get urlWithToken(): string {
    return `${this.url}?token=${encodeURIComponent(this.#options.token)}`;
  }

  /** True while watches for live updates are open (some page is connected). */
  get watching(): boolean {
    return this.#feed.watching;
  }

  /** How many pages hold an event stream open. */
  get connectedPages(): number {
    return this.#streams.size;
  }

  /** Ends every event stream, stops the watches and closes the listener. */
  async close(): Promise<void> {
    for (const res of this.#streams) res.end();
    this.#streams.clear();
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await Promise.all([closed, this.#feed.close()]);
  }

  async #listen(): Promise<void> {
    const { host, port } = this.#options;
    const retries = port === 0 ? 0 : (this.#options.portRetries ?? 0);
    const last = Math.min(65535, port + retries);
    for (let candidate = port; candidate <= last; candidate++) {
      try {
        await new Promise<void>((resolve, reject) => {
          this.#server.once('error', reject);
          this.#server.listen(candidate, host, () => {
            this.#server.off('error', reject);
            resolve();
          });
        });
        this.#port = (this.#server.address() as AddressInfo).port;
        this.#auth = new DashboardAuth({
          token: this.#options.token,
          // Cookies are shared by every port of a host: two dashboards on one machine must not clash.
          cookieName: `capi_dashboard_${this.#port}`,
          secure: this.#options.tls !== undefined,
          clientCertificates: this.#options.tls?.clientCaPem !== undefined,
        });
        this.#server.on('error', (err) => this.#log.error({ err: err.message }, 'dashboard server error'));
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
        if (candidate < last)
          this.#log.info({ port: candidate }, 'dashboard port in use; trying the next one');
      }
    }
    throw new DashboardPortInUseError(host, port, last, this.#options.portInUseHint);
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      return send(res, head, {
        status: 405,
        body: 'method not allowed: the dashboard is read-only\n',
        headers: { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' },
      });
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://dashboard');
    } catch {
      return send(res, head, { status: 400, body: 'bad request\n' });
    }
    const decision = this.#auth.decide(req, url);
    if (decision.kind === 'deny') return send(res, head, unauthorized());
    if (decision.kind === 'redirect') {
      return send(res, head, {
        status: 303,
        body: '',
        headers: { Location: decision.location, 'Set-Cookie': decision.setCookie },
      });
    }

    const segments = pathSegments(url.pathname);
    if (!segments) return send(res, head, notFoundPage('No such page.'));
    const [first, ...rest] = segments;
    if (first === 'static' && rest.length === 1) return await this.#static(req, res, head, rest[0]!);
    if (first === 'events' && rest.length === 0) return this.#events(req, res, url);

    const fragment = url.searchParams.get('fragment') === '1';
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const now = (this.#options.now ?? (() => new Date()))();
    const reader = this.#options.client;
    const serve = <T>(view: View<T>): Promise<void> => this.#serveView(res, head, fragment, view);
    if (segments.length === 0) {
      const q = url.searchParams.get('q') ?? '';
      return serve({
        load: () => loadFleet(reader, abort.signal),
        render: (fleet) => renderFleet(fleet, q, now),
        // The address bar follows the live filter, so a reload or a shared link shows the same rows.
        fragmentHeaders: {
          'HX-Replace-Url': q.trim() ? `/?${new URLSearchParams({ q: q.trim() }).toString()}` : '/',
        },
        page: (_, content) => ({
          title: 'Fleet',
          crumbs: [],
          heading: html`Fleet`,
          before: renderFleetFilter(q),
          content,
          events: '/events',
          fragmentUrl: '/?fragment=1',
          include: '#filter',
        }),
      });
    }
    if ((first === 'clusters' || first === 'machines') && rest.length === 2) {
      const [namespace, name] = rest as [string, string];
      const live = {
        events: `/events?${new URLSearchParams({ namespace }).toString()}`,
        fragmentUrl: `${url.pathname}?fragment=1`,
      };
      if (first === 'clusters')
        return serve({
          load: () => loadClusterDetails(reader, namespace, name, abort.signal),
          render: (details) => renderClusterDetails(details, now),
          page: (_, content) => ({
            title: `Cluster ${namespace}/${name}`,
            crumbs: [{ label: `${namespace}/${name}` }],
            heading: html`Cluster ${name}`,
            content,
            ...live,
          }),
        });
      return serve({
        load: () => loadMachineDetails(reader, namespace, name, abort.signal),
        render: (details) => renderMachineDetails(details, now),
        page: (details, content) => {
          const cluster = details.timeline.machine.cluster;
          return {
            title: `Machine ${namespace}/${name}`,
            crumbs: [
              ...(cluster
                ? [{ label: `${namespace}/${cluster}`, href: clusterPath(namespace, cluster) }]
                : []),
              { label: name },
            ],
            heading: html`Machine ${name}`,
            content,
            ...live,
          };
        },
      });
    }
    return send(res, head, notFoundPage('No such page.'));
  }

  /** A view: its content alone for a live refresh (`?fragment=1`), otherwise the whole page around it. */
  async #serveView<T>(
    res: http.ServerResponse,
    head: boolean,
    fragment: boolean,
    view: View<T>,
  ): Promise<void> {
    const loaded = await this.#load(fragment, view.load);
    if ('failed' in loaded) return send(res, head, loaded.failed);
    const content = view.render(loaded.value);
    if (fragment) return send(res, head, htmlResponse(200, content.toString(), view.fragmentHeaders));
    return send(res, head, htmlResponse(200, renderPage(view.page(loaded.value, content))));
  }

  /**
   * Reads what a view shows, turning "no such Cluster/Machine" into a 404 page and other read failures into a
   * 502 page; in a fragment (a live refresh) both become a notice in place of the content, which htmx swaps
   * in (it does not swap error statuses).
   */
  async #load<T>(fragment: boolean, load: () => Promise<T>): Promise<{ value: T } | { failed: Response }> {
    try {
      return { value: await load() };
    } catch (err) {
      const missing = err instanceof ClusterNotFoundError || err instanceof MachineNotFoundError;
      if (!missing) this.#log.warn({ err: (err as Error).message }, 'dashboard could not read');
      const message = missing
        ? `${capitalize(err.message)}. It may have been deleted.`
        : `Cannot read from the API server: ${(err as Error).message}`;
      if (fragment)
        return { failed: htmlResponse(200, html`<p class="notice bad">${message}</p>`.toString()) };
      if (missing) return { failed: notFoundPage(message) };
      return {
        failed: htmlResponse(
          502,
          renderPage({
            title: 'Error',
            crumbs: [{ label: 'Error' }],
            heading: html`Error`,
            content: html`<p class="notice bad">${message}</p>`,
          }),
        ),
      };
    }
  }

  async #static(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    head: boolean,
    name: string,
  ): Promise<void> {
    const asset = await this.#assets.get(name);
    if (!asset) return send(res, head, notFoundPage('No such file.'));
    const headers = {
      'Content-Type': asset.contentType,
      ETag: asset.etag,
      // Behind the token, so private; revalidated so an upgrade's new htmx is picked up.
      'Cache-Control': 'private, no-cache',
    };
    if (req.headers['if-none-match'] === asset.etag)
      return send(res, head, { status: 304, body: '', headers });
    return send(res, head, { status: 200, body: asset.body, headers });
  }

  /**
   * The event stream a page listens to: `change` when an object it may show changed (in `?namespace=`, if
   * given), at most once per `minEventIntervalMs`, and a comment every `keepAliveMs` while nothing does.
   */
  #events(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const namespace = url.searchParams.get('namespace') || undefined;
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    res.write('retry: 3000\n: connected\n\n');
    const minInterval = this.#options.minEventIntervalMs ?? 1000;
    // A burst of writes (a reconcile patches several objects) becomes one refresh.
    const settle = Math.min(200, minInterval);
    let lastSent = 0;
    let timer: NodeJS.Timeout | undefined;
    const kinds = new Set<string>();
    const flush = (): void => {
      timer = undefined;
      lastSent = Date.now();
      res.write(`event: change\ndata: ${JSON.stringify({ kinds: [...kinds].sort() })}\n\n`);
      kinds.clear();
    };
    const unsubscribe = this.#feed.subscribe((change) => {
      if (namespace && change.namespace && change.namespace !== namespace) return;
      kinds.add(change.kind);
      if (timer) return;
      timer = setTimeout(flush, Math.max(settle, lastSent + minInterval - Date.now()));
    });
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.#options.keepAliveMs ?? 15_000);
    this.#streams.add(res);
    res.once('close', () => {
      clearInterval(keepAlive);
      if (timer) clearTimeout(timer);
      this.#streams.delete(res);
      unsubscribe();
    });
  }
}

function send(res: http.ServerResponse, head: boolean, response: Response): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body, 'utf8') : response.body;
  res.writeHead(response.status, {
    ...SECURITY_HEADERS,
    'Cache-Control': 'no-store',
    ...(response.status !== 304 ? { 'Content-Length': String(body.length) } : {}),
    ...response.headers,
  });
  res.end(head ? undefined : body);
}

function htmlResponse(status: number, body: string, headers: Record<string, string> = {}): Response {
  return { status, body, headers: { 'Content-Type': 'text/html; charset=utf-8', ...headers } };
}

function unauthorized(): Response {
  return {
    status: 401,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'WWW-Authenticate': 'Bearer realm="capi dashboard"',
    },
    body: html`<!doctype html>
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <title>capi dashboard: access token needed</title>
        </head>
        <body>
          <h1>Access token needed</h1>
          <p>
            Open the dashboard through the URL <code>capi up</code> printed: it ends in <code>?token=…</code>.
            A new token is made at every start, so an old URL no longer works.
          </p>
          <p>
            For <code>capi manager</code>, use the token of <code>--dashboard-token-file</code> or
            <code>CAPI_DASHBOARD_TOKEN</code>, or the URL it logged.
          </p>
        </body>
      </html>`.toString(),
  };
}

function notFoundPage(message: string): Response {
  return htmlResponse(
    404,
    renderPage({
      title: 'Not found',
      crumbs: [{ label: 'Not found' }],
      heading: html`Not found`,
      content: html`<p class="notice" id="not-found">${message}</p>`,
    }),
  );
}

/** The decoded path segments (`/clusters/ns/name` → `['clusters', 'ns', 'name']`); undefined if malformed. */
function pathSegments(pathname: string): string[] | undefined {
  const raw = pathname.split('/').slice(1);
  if (raw.length === 1 && raw[0] === '') return [];
  try {
    const segments = raw.map((s) => decodeURIComponent(s));
    return segments.some((s) => s === '' || s.includes('/')) ? undefined : segments;
  } catch {
    return undefined;
  }
}

const hostPort = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

const capitalize = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);
