import { Agent, request } from 'node:https';
import { readKubeconfigFile } from '../../../src/pki/kubeconfig-file.js';

export interface KubeResponse {
  code: number;
  body: unknown;
  headers: Record<string, string | string[] | undefined>;
}

/** A minimal HTTPS client authenticated by the admin kubeconfig's client certificate (tests only). */
export class KubeHttp {
  readonly #agent: Agent;
  readonly #server: URL;

  private constructor(server: string, agent: Agent) {
    this.#server = new URL(server);
    this.#agent = agent;
  }

  static async fromKubeconfig(file: string, maxSockets = 64): Promise<KubeHttp> {
    const kc = await readKubeconfigFile(file);
    const cluster = kc.clusters[0]!.cluster;
    const user = kc.users[0]!.user as { 'client-certificate-data'?: string; 'client-key-data'?: string };
    const b64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');
    const agent = new Agent({
      keepAlive: true,
      maxSockets,
      ca: b64(cluster['certificate-authority-data']),
      cert: b64(user['client-certificate-data']),
      key: b64(user['client-key-data']),
    });
    return new KubeHttp(cluster.server, agent);
  }

  close(): void {
    this.#agent.destroy();
  }

  send(
    method: string,
    path: string,
    body?: unknown,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    return this.sendRaw(method, path, body === undefined ? undefined : JSON.stringify(body), contentType);
  }

  /** Sends the body bytes as given (malformed documents, other media types). */
  sendRaw(
    method: string,
    path: string,
    payload: string | undefined,
    contentType = 'application/json',
  ): Promise<KubeResponse> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.#server.hostname,
          port: this.#server.port,
          method,
          path,
          agent: this.#agent,
          headers: {
            Accept: 'application/json',
            ...(payload ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              // plain-text answers (healthz) stay text
            }
            resolve({ code: res.statusCode ?? 0, body: parsed, headers: res.headers });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** Streams a watch; resolves with the events seen until `until` returns true or the timeout passes. */
  watch(
    path: string,
    until: (events: { type: string; object: Record<string, unknown> }[]) => boolean,
    timeoutMs: number,
  ): Promise<{ type: string; object: Record<string, unknown> }[]> {
    return new Promise((resolve, reject) => {
      const events: { type: string; object: Record<string, unknown> }[] = [];
      let buffer = '';
      const req = request(
        { host: this.#server.hostname, port: this.#server.port, method: 'GET', path, agent: this.#agent },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            buffer += chunk.toString('utf8');
            let nl;
            while ((nl = buffer.indexOf('\n')) >= 0) {
              const line = buffer.slice(0, nl);
              buffer = buffer.slice(nl + 1);
              if (line.trim())
                events.push(JSON.parse(line) as { type: string; object: Record<string, unknown> });
            }
            if (until(events)) finish();
          });
          res.on('end', finish);
        },
      );
      const timer = setTimeout(finish, timeoutMs);
      function finish(): void {
        clearTimeout(timer);
        req.destroy();
        resolve(events);
      }
      req.on('error', (err) => (events.length > 0 ? finish() : reject(err)));
      req.end();
    });
  }
}
