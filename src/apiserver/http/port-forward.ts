import { type IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type { Authorizer } from '../auth/attributes.js';
import { forbiddenError } from '../auth/forbidden.js';
import type { RequestInfo } from '../auth/request-info.js';
import type { UserInfo } from '../auth/user-info.js';
import { statusErrors } from '../errors/status-error.js';
import type { KubeObject } from '../registry/resource-definition.js';

/** Binary channel framing: every message starts with its channel byte. */
export const PORT_FORWARD_PROTOCOL = 'v4.channel.k8s.io';
/** Text framing for clients that cannot send binary frames: an ASCII channel digit, then base64. */
export const PORT_FORWARD_PROTOCOL_BASE64 = 'v4.base64.channel.k8s.io';
const PROTOCOLS = [PORT_FORWARD_PROTOCOL, PORT_FORWARD_PROTOCOL_BASE64];

/** One forwarded port of one pod. */
export interface PodPortTarget {
  namespace: string;
  pod: string;
  port: number;
  /** The Pod as stored when the tunnel was opened. */
  podObject: KubeObject;
}

/**
 * Opens a byte stream to a port of a pod: what the kubelet does inside the pod's network namespace. It decides
 * whether the port answers; a rejection becomes text on the port's error channel, as a refused connection does
 * on a real node. The API server does not check the port against the containers' ports, as kubelets do not.
 */
export type PodPortConnector = (target: PodPortTarget) => Promise<Duplex>;

export interface PortForwardHandlerOptions {
  connector: PodPortConnector;
  authorizer: Authorizer;
  /** The stored Pod, or undefined when there is none. */
  lookupPod: (namespace: string, name: string) => KubeObject | undefined;
}

// Past this many bytes queued on the WebSocket, reading from the pod's port pauses until the peer catches up.
const HIGH_WATER_MARK = 1 << 20;

/**
 * `GET /api/v1/namespaces/{namespace}/pods/{name}/portforward` upgraded to a WebSocket: what kube-apiserver
 * and the kubelet do together for `v4.channel.k8s.io`. Each requested port `i` gets data channel `2i` and
 * error channel `2i+1`; the first message on each channel carries the port (2 bytes, little-endian). Bytes
 * the client sends on a data channel go to the pod's port, bytes from the port come back on the same
 * channel; a failure is written as text on the error channel. The tunnel closes when every port's stream
 * has ended, and closing the WebSocket closes the streams.
 */
export class PortForwardHandler {
  readonly #o: PortForwardHandlerOptions;
  readonly #wss: WebSocketServer;

  constructor(options: PortForwardHandlerOptions) {
    this.#o = options;
    this.#wss = new WebSocketServer({
      noServer: true,
      // Binary framing is compact already; compression would only cost CPU on TLS-wrapped bytes.
      perMessageDeflate: false,
      handleProtocols: (offered) => PROTOCOLS.find((p) => offered.has(p)) ?? false,
    });
  }

  /** Whether a request addresses the portforward subresource of a pod (the only WebSocket served here). */
  static matches(info: RequestInfo): boolean {
    return (
      info.isResourceRequest &&
      info.apiGroup === '' &&
      info.apiVersion === 'v1' &&
      info.resource === 'pods' &&
      info.subresource === 'portforward' &&
      info.parts.length === 3 &&
      info.namespace !== '' &&
      info.name !== ''
    );
  }

  /**
   * Checks what must hold before the upgrade and then upgrades. `info` has passed the ordinary authorization
   * (verb `get`, from the method); throws the StatusError to answer with as plain HTTP when a check fails.
   *
   * Authorization: kube-apiserver 1.35 (`AuthorizePodWebsocketUpgradeCreatePermission`, on by default)
   * also requires `create` on `pods/portforward` for a WebSocket upgrade, the verb SPDY's POST always needed,
   * so read-only roles cannot open tunnels. Checked before the pod is looked up, so a caller without the
   * permission cannot learn which pods exist.
   */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    request: { user: UserInfo; info: RequestInfo; query: URLSearchParams },
  ): void {
    const { user, info } = request;
    const create = { ...info, verb: 'create' };
    const decision = this.#o.authorizer.authorize(user, create);
    if (!decision.allowed) throw forbiddenError(user, create, decision.reason);

    const pod = this.#o.lookupPod(info.namespace, info.name);
    if (!pod) throw statusErrors.notFound({ group: '', resource: 'pods' }, info.name);
    const spec = pod.spec as { nodeName?: unknown } | undefined;
    if (typeof spec?.nodeName !== 'string' || spec.nodeName === '') {
      // kube-apiserver's PortForwardLocation: without a node there is no kubelet to forward through.
      throw statusErrors.badRequest(`pod ${info.name} does not have a host assigned`);
    }
    const ports = parsePorts(request.query);
    const offered = (req.headers['sec-websocket-protocol'] ?? '')
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean);
    if (offered.length > 0 && !offered.some((p) => PROTOCOLS.includes(p))) {
      throw statusErrors.badRequest(
        `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${PROTOCOLS.join(' ')}]`,
      );
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      throw statusErrors.badRequest('port forwarding needs a WebSocket upgrade (SPDY is not served)');
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      new Tunnel(ws, this.#o.connector, { namespace: info.namespace, pod: info.name, podObject: pod }, ports);
    });
  }
}

/** The `ports` query as kubelet's `NewV4Options` reads it: repeated and/or comma-separated, 1..65535. */
function parsePorts(query: URLSearchParams): number[] {
  const values = query.getAll('ports');
  if (values.length === 0) throw statusErrors.badRequest('query parameter "ports" is required');
  const ports: number[] = [];
  for (const value of values) {
    if (value === '') throw statusErrors.badRequest('query parameter "ports" cannot be empty');
    for (const part of value.split(',')) {
      if (!/^\d{1,5}$/.test(part) || Number(part) > 65535)
        throw statusErrors.badRequest(`unable to parse "${value}" as a port`);
      if (Number(part) < 1) throw statusErrors.badRequest(`port "${value}" must be > 0`);
      ports.push(Number(part));
    }
  }
  return ports;
}

/** One upgraded connection: the channels of every requested port. */
class Tunnel {
  readonly #ws: WebSocket;
  readonly #base64: boolean;
  readonly #streams: (Duplex | undefined)[];
  /** Client bytes that arrived before the port's stream was open. */
  readonly #pending: Buffer[][];
  readonly #target: Omit<PodPortTarget, 'port'>;
  readonly #ports: readonly number[];
  #open: number;
  #closed = false;

  constructor(
    ws: WebSocket,
    connector: PodPortConnector,
    target: Omit<PodPortTarget, 'port'>,
    ports: readonly number[],
  ) {
    this.#ws = ws;
    this.#target = target;
    this.#ports = ports;
    this.#base64 = ws.protocol === PORT_FORWARD_PROTOCOL_BASE64;
    this.#streams = ports.map(() => undefined);
    this.#pending = ports.map(() => []);
    this.#open = ports.length;
    ws.on('message', (data, isBinary) => this.#receive(data, isBinary));
    ws.on('close', () => this.#teardown());
    ws.on('error', () => this.#teardown());
    ports.forEach((port, i) => {
      const header = Buffer.alloc(2);
      header.writeUInt16LE(port);
      this.#send(2 * i, header);
      this.#send(2 * i + 1, header);
    });
    ports.forEach((port, i) => {
      // A connector that throws instead of rejecting is a failed connection all the same.
      void new Promise<Duplex>((resolve) => resolve(connector({ ...target, port }))).then(
        (stream) => this.#attach(i, stream),
        (err: unknown) => {
          this.#reportError(i, err);
          this.#portDone();
        },
      );
    });
  }

  #attach(i: number, stream: Duplex): void {
    if (this.#closed) {
      stream.destroy();
      return;
    }
    this.#streams[i] = stream;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      stream.destroy();
      this.#portDone();
    };
    stream.on('data', (chunk: Buffer) => {
      this.#send(2 * i, chunk);
      if (this.#ws.bufferedAmount > HIGH_WATER_MARK) stream.pause();
    });
    // A pod-side close ends the port, as the kubelet's copy loop returns when the connection closes.
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', (err) => {
      if (!done) this.#reportError(i, err);
      finish();
    });
    stream.on('drain', () => this.#ws.resume());
    for (const chunk of this.#pending[i]!.splice(0)) this.#write(i, chunk);
  }

  /** The kubelet's wording, so the client's error says which port of which pod failed. */
  #reportError(i: number, err: unknown): void {
    const { namespace, pod, podObject } = this.#target;
    const why = err instanceof Error ? err.message : String(err);
    const text = `error forwarding port ${this.#ports[i]} to pod ${namespace}/${pod}, uid ${podObject.metadata?.uid ?? ''}: ${why}`;
    this.#send(2 * i + 1, Buffer.from(text));
  }

  #portDone(): void {
    this.#open -= 1;
    // Frames already queued go out before the close frame, so an error text always reaches the client. A
    // paused socket would never read the client's answering close frame.
    if (this.#open === 0 && this.#ws.readyState === WebSocket.OPEN) {
      this.#ws.resume();
      this.#ws.close(1000);
    }
  }

  #receive(data: RawData, isBinary: boolean): void {
    const frame = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    if (frame.length === 0) return;
    let channel: number;
    let payload: Buffer;
    if (this.#base64 && !isBinary) {
      channel = frame[0]! - 0x30;
      payload = Buffer.from(frame.subarray(1).toString('latin1'), 'base64');
    } else {
      channel = frame[0]!;
      payload = frame.subarray(1);
    }
    // Only data channels are readable; writes to error channels are ignored, as wsstream does.
    if (channel % 2 !== 0 || channel / 2 >= this.#streams.length || payload.length === 0) return;
    const i = channel / 2;
    if (this.#streams[i]) this.#write(i, payload);
    else this.#pending[i]!.push(Buffer.from(payload));
  }

  #write(i: number, chunk: Buffer): void {
    const stream = this.#streams[i]!;
    if (stream.destroyed || stream.writableEnded) return;
    // A write can end the stream (the pod's side may close on what it reads); only a live one pushes back.
    if (!stream.write(chunk) && !stream.destroyed) this.#ws.pause();
  }

  #send(channel: number, data: Buffer): void {
    if (this.#ws.readyState !== WebSocket.OPEN) return;
    const frame = this.#base64
      ? String.fromCharCode(0x30 + channel) + data.toString('base64')
      : Buffer.concat([Buffer.of(channel), data]);
    this.#ws.send(frame, () => {
      if (this.#ws.bufferedAmount <= HIGH_WATER_MARK) {
        for (const s of this.#streams) if (s?.isPaused()) s.resume();
      }
    });
  }

  #teardown(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of this.#streams) s?.destroy();
    this.#pending.length = 0;
  }
}

/**
 * A ServerResponse on the socket of an upgrade request, so a refused upgrade is answered with the same
 * Status bodies (and logging) as any other request; the connection closes after the answer.
 */
export function responseOnUpgradeSocket(req: IncomingMessage, socket: Duplex): ServerResponse {
  const res = new ServerResponse(req);
  res.shouldKeepAlive = false;
  res.assignSocket(socket as Socket);
  res.on('finish', () => {
    res.detachSocket(socket as Socket);
    socket.end();
  });
  return res;
}
