import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** A named health check: resolves when healthy, throws (with a reason) when not. */
export type Checker = () => Promise<void> | void;

export interface ProbeServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Serve `/metrics` from this registry (omit for a probes-only server). */
  registry?: Registry;
  healthz?: Map<string, Checker>;
  readyz?: Map<string, Checker>;
}

/**
 * `/metrics` (Prometheus text format), `/healthz` and `/readyz` like controller-runtime's servers: the probe
 * endpoints answer `ok` or list the failing checks with 500; `?verbose` lists every check.
 */
export class ProbeServer {
  readonly #server: http.Server;
  readonly #options: ProbeServerOptions;

  private constructor(options: ProbeServerOptions) {
    this.#options = options;
    this.#server = http.createServer((req, res) => {
      void this.#handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
        res.end(`internal error: ${(err as Error).message}\n`);
      });
    });
  }

  static async start(options: ProbeServerOptions): Promise<ProbeServer> {
    const server = new ProbeServer(options);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port, options.host, () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  get address(): { host: string; port: number } {
    const a = this.#server.address() as AddressInfo;
    return { host: a.address, port: a.port };
  }

  get url(): string {
    const { host, port } = this.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://probe');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url.pathname === '/metrics' && this.#options.registry) {
      const body = await this.#options.registry.metrics();
      res.writeHead(200, { 'Content-Type': this.#options.registry.contentType }).end(body);
      return;
    }
    const checks = url.pathname.startsWith('/healthz')
      ? this.#options.healthz
      : url.pathname.startsWith('/readyz')
        ? this.#options.readyz
        : undefined;
    if (!checks) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
      return;
    }
    const base = url.pathname.startsWith('/healthz') ? '/healthz' : '/readyz';
    const only = url.pathname.slice(base.length + 1);
    const selected = only ? [...checks].filter(([name]) => name === only) : [...checks];
    if (only && selected.length === 0) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no check named ${only}\n`);
      return;
    }
    const results = await Promise.all(
      selected.map(async ([name, check]) => {
        try {
          await check();
          return { name, error: undefined };
        } catch (err) {
          return { name, error: err instanceof Error ? err.message : String(err) };
        }
      }),
    );
    const failed = results.filter((r) => r.error !== undefined);
    const verbose = url.searchParams.has('verbose') || failed.length > 0;
    const lines = verbose
      ? results.map((r) => (r.error === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: ${r.error}`))
      : [];
    const text = failed.length
      ? `${lines.join('\n')}\n${base.slice(1)} check failed\n`
      : verbose
        ? `${lines.join('\n')}\n${base.slice(1)} check passed\n`
        : 'ok';
    res.writeHead(failed.length ? 500 : 200, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
  }
}
