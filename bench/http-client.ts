/**
 * A minimal keep-alive HTTP(S) client for load generation: plain strings in, status and text out, and a
 * line-oriented stream for watches. No retries, no JSON parsing on the hot path (callers decide).
 */
import http from 'node:http';
import https from 'node:https';

export interface TlsClientCredentials {
  ca: string;
  cert: string;
  key: string;
}

export interface HttpClientOptions {
  /** `http://host:port` or `https://host:port`. */
  baseUrl: string;
  /** Client certificate and CA for HTTPS; ignored for plain HTTP. */
  tls?: TlsClientCredentials;
  /** Keep-alive pool size; must be at least the number of concurrent requests or streams. */
  maxSockets: number;
}

export interface HttpResponse {
  status: number;
  text: string;
}

export interface LineStream {
  /** Resolves once the response headers arrived (the stream is established). */
  established: Promise<number>;
  close(): void;
}

export class HttpClient {
  readonly #base: URL;
  readonly #agent: http.Agent;
  readonly #request: typeof http.request;

  constructor(options: HttpClientOptions) {
    this.#base = new URL(options.baseUrl);
    const secure = this.#base.protocol === 'https:';
    this.#agent = secure
      ? new https.Agent({ keepAlive: true, maxSockets: options.maxSockets, ...options.tls })
      : new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
    this.#request = secure ? https.request : http.request;
  }

  close(): void {
    this.#agent.destroy();
  }

  send(method: string, path: string, body?: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const req = this.#request(
        {
          host: this.#base.hostname,
          port: this.#base.port,
          method,
          path,
          agent: this.#agent,
          headers: {
            Accept: 'application/json',
            ...(body === undefined
              ? {}
              : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Sends a request and fails unless the status is one of `expect`. */
  async expect(method: string, path: string, body: string | undefined, expect: number[]): Promise<string> {
    const res = await this.send(method, path, body);
    if (!expect.includes(res.status)) {
      throw new Error(`${method} ${path}: HTTP ${res.status}: ${res.text.slice(0, 300)}`);
    }
    return res.text;
  }

  /** Opens a streaming GET and calls `onLine` for each newline-terminated line of the body. */
  lines(path: string, onLine: (line: string) => void, onEnd: (err?: Error) => void): LineStream {
    let established!: (status: number) => void;
    let failed!: (err: Error) => void;
    const promise = new Promise<number>((res, rej) => {
      established = res;
      failed = rej;
    });
    const req = this.#request(
      {
        host: this.#base.hostname,
        port: this.#base.port,
        method: 'GET',
        path,
        agent: this.#agent,
        headers: { Accept: 'application/json' },
      },
      (res) => {
        established(res.statusCode ?? 0);
        let pending = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          pending += chunk;
          let nl = pending.indexOf('\n');
          while (nl >= 0) {
            const line = pending.slice(0, nl);
            pending = pending.slice(nl + 1);
            if (line.length > 0) onLine(line);
            nl = pending.indexOf('\n');
          }
        });
        res.on('end', () => onEnd());
        res.on('error', (err) => onEnd(err));
      },
    );
    req.on('error', (err) => {
      failed(err);
      onEnd(err);
    });
    req.end();
    return { established: promise, close: () => req.destroy() };
  }
}
