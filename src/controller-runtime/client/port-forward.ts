import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { apiErrorFromStatus, TransportError } from './errors.js';
import type { RestConfig } from './rest-config.js';

/** The port-forward subprotocol: binary messages, each prefixed with its channel byte. */
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';

export interface PortForwardOptions {
  namespace: string;
  pod: string;
  port: number;
  /** Aborts opening the tunnel, or closes it once open. */
  signal?: AbortSignal;
}

/**
 * The far end could not forward the port (the kubelet's text on the port's error channel, such as a refused
 * connection inside the pod). The tunnel itself worked; the pod's port did not answer.
 */
export class PortForwardError extends Error {
  override readonly name = 'PortForwardError';
  constructor(
    message: string,
    readonly target: { namespace: string; pod: string; port: number },
  ) {
    super(message);
  }
}

export const isPortForwardError = (err: unknown): err is PortForwardError => err instanceof PortForwardError;

// Data channel 0 and error channel 1 carry the one port a tunnel forwards here; each starts with the port.
const DATA = 0;
const ERROR = 1;
const PORT_HEADER_BYTES = 2;
const DEFAULT_HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * Opens a tunnel to a port of a pod through the API server (`pods/portforward`, WebSocket `v4.channel.k8s.io`),
 * as `kubectl port-forward` does, with the config's TLS settings and credentials. The returned stream carries
 * the port's bytes both ways; it ends when the far end closes, and fails with `PortForwardError` when the
 * kubelet reports an error. A refused upgrade throws the typed `ApiError` of its Status (`NotFoundError` for an
 * unknown pod, `ForbiddenError`, ...), an unreachable server a `TransportError`.
 *
 * The caller needs `get` and `create` on `pods/portforward` (kube-apiserver 1.35 checks both for upgrades).
 */
export async function portForward(config: RestConfig, options: PortForwardOptions): Promise<Duplex> {
  const { namespace, pod, port, signal } = options;
  signal?.throwIfAborted();
  const base = new URL(config.server);
  const url = new URL(
    `${base.pathname.replace(/\/$/, '')}/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/` +
      `${encodeURIComponent(pod)}/portforward?ports=${port}`,
    base,
  );
  url.protocol = base.protocol === 'http:' ? 'ws:' : 'wss:';
  const ws = new WebSocket(url, [PORT_FORWARD_PROTOCOL], {
    ...connectionOptions(config),
    handshakeTimeout: config.timeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS,
    perMessageDeflate: false,
  });
  // Created before the handshake completes: the server sends the port headers right after it.
  const stream = new PortForwardStream(ws, { namespace, pod, port });
  return await new Promise<Duplex>((resolve, reject) => {
    const onAbort = (): void => {
      ws.on('error', () => undefined);
      ws.terminate();
      stream.destroy();
      reject(signal!.reason instanceof Error ? signal!.reason : new Error('port forward aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (): void => {
      signal?.removeEventListener('abort', onAbort);
      ws.off('open', onOpen);
      ws.off('error', onError);
      ws.off('unexpected-response', onResponse);
    };
    const onOpen = (): void => {
      settle();
      if (signal) {
        const closeOnAbort = (): void => void stream.destroy(signal.reason as Error);
        signal.addEventListener('abort', closeOnAbort, { once: true });
        stream.once('close', () => signal.removeEventListener('abort', closeOnAbort));
      }
      resolve(stream);
    };
    const onError = (err: Error): void => {
      settle();
      stream.destroy();
      reject(new TransportError(`port forward to ${url.href}: ${err.message}`, url.href, { cause: err }));
    };
    const onResponse = (_req: unknown, res: IncomingMessage): void => {
      settle();
      ws.on('error', () => undefined); // terminating a refused handshake reports "closed before established"
      readAll(res).then(
        (text) => {
          ws.terminate();
          stream.destroy();
          let body: unknown = text;
          try {
            body = JSON.parse(text);
          } catch {
            /* a plain-text answer (a kubelet or proxy) stays text */
          }
          reject(apiErrorFromStatus(res.statusCode ?? 0, body, res.headers['retry-after']));
        },
        (err: unknown) => {
          ws.terminate();
          stream.destroy();
          reject(new TransportError(`reading the answer of ${url.href} failed`, url.href, { cause: err }));
        },
      );
    };
    ws.on('open', onOpen);
    ws.on('error', onError);
    ws.on('unexpected-response', onResponse);
  });
}

/**
 * TLS and credentials as the client's `Transport` uses them: CA, client certificate, server name,
 * `insecure-skip-tls-verify`, then a bearer token (or token file) or basic auth.
 */
function connectionOptions(config: RestConfig): {
  ca?: string;
  cert?: string;
  key?: string;
  servername?: string;
  rejectUnauthorized: boolean;
  headers: Record<string, string>;
} {
  const headers: Record<string, string> = { 'User-Agent': config.userAgent ?? 'capi-ts/controller-runtime' };
  const token = config.tokenFile ? readFileSync(config.tokenFile, 'utf8').trim() : config.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  else if (config.username !== undefined) {
    const pair = `${config.username}:${config.password ?? ''}`;
    headers.Authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  }
  return {
    ...(config.caPem ? { ca: config.caPem } : {}),
    ...(config.clientCertificatePem ? { cert: config.clientCertificatePem } : {}),
    ...(config.clientKeyPem ? { key: config.clientKeyPem } : {}),
    ...(config.tlsServerName ? { servername: config.tlsServerName } : {}),
    rejectUnauthorized: !config.insecureSkipTlsVerify,
    headers,
  };
}

async function readAll(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The port's bytes as a stream: data-channel payloads (after the 2-byte port header) are readable, writes
 * become data-channel messages, error-channel text fails the stream when the tunnel closes.
 */
class PortForwardStream extends Duplex {
  readonly #ws: WebSocket;
  readonly #target: { namespace: string; pod: string; port: number };
  /** Header bytes still to skip on the data and error channels. */
  readonly #headerLeft = [PORT_HEADER_BYTES, PORT_HEADER_BYTES];
  readonly #errorText: Buffer[] = [];
  /** Until the handshake succeeds failures belong to `portForward`'s promise, not to this stream. */
  #open = false;

  constructor(ws: WebSocket, target: { namespace: string; pod: string; port: number }) {
    // No half-close in v4: once the far end is gone nothing can be written either.
    super({ allowHalfOpen: false });
    this.#ws = ws;
    this.#target = target;
    ws.once('open', () => (this.#open = true));
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('close', () => this.#closed());
    ws.on('error', (err) => {
      if (this.#open) this.destroy(err);
    });
  }

  #receive(data: RawData, isBinary: boolean): void {
    if (!isBinary) return;
    const frame = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    if (frame.length === 0) return;
    const channel = frame[0]!;
    if (channel !== DATA && channel !== ERROR) return;
    let payload = frame.subarray(1);
    // The header is one message in practice; counting bytes keeps a split one from leaking into the data.
    const skip = Math.min(this.#headerLeft[channel]!, payload.length);
    this.#headerLeft[channel]! -= skip;
    payload = payload.subarray(skip);
    if (payload.length === 0) return;
    if (channel === ERROR) this.#errorText.push(Buffer.from(payload));
    else if (!this.push(Buffer.from(payload))) this.#ws.pause();
  }

  #closed(): void {
    if (this.destroyed || !this.#open) return;
    const text = Buffer.concat(this.#errorText).toString('utf8').trim();
    if (text) this.destroy(new PortForwardError(text, this.#target));
    else this.push(null);
  }

  override _read(): void {
    if (this.#ws.isPaused) this.#ws.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState !== WebSocket.OPEN) {
      callback(new Error('the port-forward tunnel is closed'));
      return;
    }
    this.#ws.send(Buffer.concat([Buffer.of(DATA), chunk]), { binary: true }, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    // v4 cannot half-close a channel; the tunnel stays open for the answer and closes on destroy.
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#ws.readyState === WebSocket.OPEN) {
      // A paused socket would not read the server's answering close frame.
      this.#ws.resume();
      this.#ws.close(1000);
    } else if (this.#ws.readyState === WebSocket.CONNECTING) {
      this.#ws.on('error', () => undefined);
      this.#ws.terminate();
    }
    callback(error);
  }
}
