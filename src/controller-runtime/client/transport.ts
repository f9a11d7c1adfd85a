import { readFileSync } from 'node:fs';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControllerRuntimeMetrics } from '../metrics/metrics.js';
import { BucketRateLimiter } from '../workqueue/rate-limiters.js';
import { apiErrorFromStatus, TooManyRequestsError, TransportError } from './errors.js';
import type { RestConfig } from './rest-config.js';

export const DEFAULT_QPS = 100;
export const DEFAULT_BURST = 200;
const DEFAULT_TIMEOUT_MS = 60_000;
/** client-go retries a request the server asked to retry (429/5xx with Retry-After) up to 10 times. */
const MAX_RETRY_AFTER_ATTEMPTS = 10;
const TOKEN_FILE_TTL_MS = 60_000;
/**
 * Connections for ordinary requests. Without a cap, a burst of concurrent requests opens one TLS connection
 * each (a handshake apiece on both sides); client-go keeps a similar pool per host. Watches are long-lived and
 * use their own pool so they never hold these slots.
 */
const MAX_REQUEST_SOCKETS = 32;

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path plus query string, without the server's own path prefix. */
  path: string;
  body?: unknown;
  contentType?: string;
  /** The Kubernetes verb for metrics (`get`, `list`, `watch`, `create`, ...). */
  verb: string;
  signal?: AbortSignal;
  /** Watches and other streams: no overall timeout, the response is handed over unread. */
  stream?: boolean;
  /** `false`: a 429/5xx with Retry-After is thrown at once, not retried (default: retried, as client-go). */
  retryAfter?: boolean;
}

export interface JsonResponse {
  statusCode: number;
  body: unknown;
}

/**
 * HTTP(S) to one API server: keep-alive connections, TLS from the rest config, bearer/basic auth, the
 * client-side rate limit, Retry-After handling and the `rest_client_*` metrics. Failures become typed errors.
 */
export class Transport {
  readonly config: RestConfig;
  readonly #agent: http.Agent;
  readonly #streamAgent: http.Agent;
  readonly #base: URL;
  /** One shared token bucket: `when` books the next token and says how long to wait for it. */
  readonly #bucket: BucketRateLimiter<string>;
  readonly #metrics?: ControllerRuntimeMetrics;
  readonly #host: string;
  #cachedToken?: { value: string; readAt: number };

  constructor(config: RestConfig, metrics?: ControllerRuntimeMetrics) {
    this.config = config;
    this.#base = new URL(config.server);
    this.#host = this.#base.host;
    this.#metrics = metrics;
    this.#bucket = new BucketRateLimiter({
      qps: config.qps ?? DEFAULT_QPS,
      burst: config.burst ?? DEFAULT_BURST,
    });
    this.#agent = this.#makeAgent(MAX_REQUEST_SOCKETS);
    this.#streamAgent = this.#makeAgent(Infinity);
  }

  #makeAgent(maxSockets: number): http.Agent {
    const config = this.config;
    if (this.#base.protocol !== 'https:') return new http.Agent({ keepAlive: true, maxSockets });
    return new https.Agent({
      keepAlive: true,
      maxSockets,
      maxFreeSockets: Math.min(maxSockets, MAX_REQUEST_SOCKETS),
      ca: config.caPem,
      cert: config.clientCertificatePem,
      key: config.clientKeyPem,
      servername: config.tlsServerName,
      rejectUnauthorized: !config.insecureSkipTlsVerify,
    });
  }

  /** Sends a request and parses the JSON answer; non-2xx answers throw the typed `ApiError`. */
  async requestJson(spec: RequestSpec): Promise<JsonResponse> {
    for (let attempt = 1; ; attempt++) {
      const res = await this.#send(spec);
      const text = await readBody(res, spec.signal);
      const code = res.statusCode ?? 0;
      let body: unknown = text;
      if (text && (res.headers['content-type'] ?? '').includes('json')) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      if (code >= 200 && code < 300) return { statusCode: code, body };
      const retryAfter = retryAfterSeconds(res);
      const error = apiErrorFromStatus(code, body, res.headers['retry-after']);
      if (
        spec.retryAfter !== false &&
        retryAfter !== undefined &&
        (code === 429 || code >= 500) &&
        attempt < MAX_RETRY_AFTER_ATTEMPTS
      ) {
        await sleep(Math.min(retryAfter, 10) * 1000, undefined, { signal: spec.signal });
        continue;
      }
      if (code === 429 && !(error instanceof TooManyRequestsError)) throw apiErrorFromStatus(429, body);
      throw error;
    }
  }

  /** Opens a streaming request (watch); non-2xx answers throw the typed error after reading the body. */
  async openStream(spec: RequestSpec): Promise<IncomingMessage> {
    const res = await this.#send({ ...spec, stream: true });
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) return res;
    const text = await readBody(res, spec.signal);
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* keep the text */
    }
    throw apiErrorFromStatus(code, body, res.headers['retry-after']);
  }

  close(): void {
    this.#agent.destroy();
    this.#streamAgent.destroy();
  }

  async #send(spec: RequestSpec): Promise<IncomingMessage> {
    const wait = this.#bucket.when(spec.verb);
    this.#metrics?.restClientRateLimiterDuration.observe({ verb: spec.verb, host: this.#host }, wait / 1000);
    if (wait > 0) await sleep(wait, undefined, { signal: spec.signal });
    const prefix = this.#base.pathname.replace(/\/$/, '');
    const url = new URL(prefix + spec.path, this.#base);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': this.config.userAgent ?? 'capi-ts/controller-runtime',
    };
    const token = this.#token();
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (this.config.username !== undefined) {
      headers.Authorization = `Basic ${Buffer.from(`${this.config.username}:${this.config.password ?? ''}`).toString('base64')}`;
    }
    let payload: Buffer | undefined;
    if (spec.body !== undefined) {
      payload = Buffer.from(typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body));
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    const started = performance.now();
    const lib = url.protocol === 'https:' ? https : http;
    return await new Promise<IncomingMessage>((resolve, reject) => {
      const agent = spec.stream ? this.#streamAgent : this.#agent;
      const req = lib.request(url, { method: spec.method, headers, agent, signal: spec.signal });
      if (!spec.stream) {
        req.setTimeout(this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS, () => {
          req.destroy(new Error(`no answer within ${this.config.timeoutMs ?? DEFAULT_TIMEOUT_MS} ms`));
        });
      }
      req.on('response', (res) => {
        const code = String(res.statusCode ?? '<error>');
        this.#metrics?.restClientRequests.inc({ code, method: spec.method, host: this.#host });
        this.#metrics?.restClientRequestDuration.observe(
          { verb: spec.method, host: this.#host },
          (performance.now() - started) / 1000,
        );
        resolve(res);
      });
      req.on('error', (err) => {
        if (spec.signal?.aborted) {
          reject(spec.signal.reason instanceof Error ? spec.signal.reason : err);
          return;
        }
        this.#metrics?.restClientRequests.inc({ code: '<error>', method: spec.method, host: this.#host });
        reject(new TransportError(`${spec.method} ${url.href}: ${err.message}`, url.href, { cause: err }));
      });
      req.end(payload);
    });
  }

  #token(): string | undefined {
    if (this.config.tokenFile) {
      const now = Date.now();
      if (!this.#cachedToken || now - this.#cachedToken.readAt > TOKEN_FILE_TTL_MS) {
        this.#cachedToken = { value: readFileSync(this.config.tokenFile, 'utf8').trim(), readAt: now };
      }
      return this.#cachedToken.value;
    }
    return this.config.token;
  }
}

function retryAfterSeconds(res: IncomingMessage): number | undefined {
  const header = res.headers['retry-after'];
  return header && /^\d+$/.test(header) ? Number(header) : undefined;
}

async function readBody(res: IncomingMessage, signal?: AbortSignal): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of res) chunks.push(chunk as Buffer);
  } catch (err) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : err;
    throw new TransportError(`reading the response failed: ${(err as Error).message}`, res.url ?? '', {
      cause: err,
    });
  }
  return Buffer.concat(chunks).toString('utf8');
}
