import http, { type IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

/** gRPC status codes, as etcd reports them (google.golang.org/grpc/codes). */
export const EtcdGrpcCode = {
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  FailedPrecondition: 9,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
} as const;

/**
 * The etcd server errors the control plane branches on. etcd's own Go client types errors by their message
 * (`rpctypes.ErrorDesc`), because several share a gRPC code (`not leader` and `bad leader transferee` are
 * both FailedPrecondition); this table is that same mapping, in one place.
 */
const REASONS: Record<string, EtcdErrorReason> = {
  'etcdserver: member not found': 'MemberNotFound',
  'etcdserver: Peer URLs already exists': 'PeerURLExists',
  'etcdserver: not leader': 'NotLeader',
  'etcdserver: bad leader transferee': 'BadLeaderTransferee',
  'etcdserver: unhealthy cluster': 'UnhealthyCluster',
  'etcdserver: re-configuration failed due to not enough started members': 'NotEnoughStartedMembers',
  'etcdserver: request timed out, leader transfer took too long': 'LeaderTransferTimeout',
  'etcdserver: request timed out': 'RequestTimeout',
  'etcdserver: no leader': 'NoLeader',
  'etcdserver: leader changed': 'LeaderChanged',
};

export type EtcdErrorReason =
  | 'MemberNotFound'
  | 'PeerURLExists'
  | 'NotLeader'
  | 'BadLeaderTransferee'
  | 'UnhealthyCluster'
  | 'NotEnoughStartedMembers'
  | 'LeaderTransferTimeout'
  | 'RequestTimeout'
  | 'NoLeader'
  | 'LeaderChanged'
  /** The member could not be reached (tunnel, TLS or connection failure); `cause` says why. */
  | 'Unreachable'
  /** The call did not finish within the client's timeout. */
  | 'Timeout'
  /** The caller's signal aborted the call. */
  | 'Canceled'
  | '';

/**
 * A failed etcd call: `code` is the gRPC code (what a Go client sees), `reason` names the etcd error when it
 * is one the control plane acts on. Connection failures are Unavailable and timeouts DeadlineExceeded, as
 * for a gRPC client.
 */
export class EtcdError extends Error {
  override readonly name = 'EtcdError';
  readonly code: number;
  readonly reason: EtcdErrorReason;
  /** The HTTP status of the gateway's answer, when there was one. */
  readonly httpStatus: number | undefined;

  constructor(
    code: number,
    message: string,
    options: { reason?: EtcdErrorReason; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.reason = options.reason ?? REASONS[message] ?? '';
    this.httpStatus = options.httpStatus;
  }
}

export const isEtcdError = (err: unknown): err is EtcdError => err instanceof EtcdError;
export const isEtcdMemberNotFound = (err: unknown): boolean =>
  err instanceof EtcdError && err.reason === 'MemberNotFound';
export const isEtcdUnreachable = (err: unknown): boolean =>
  err instanceof EtcdError && (err.reason === 'Unreachable' || err.reason === 'Timeout');

export interface EtcdTls {
  /** The etcd CA (the `<cluster>-etcd` Secret's `tls.crt`): what the member's serving certificate chains to. */
  caPem: string;
  /** A client certificate signed by the etcd CA, and its key. */
  certPem: string;
  keyPem: string;
}

export interface EtcdClientOptions {
  /**
   * Opens a byte stream to one member's client port: a pods/portforward tunnel to the etcd static Pod, or a
   * TCP connection. Called again when the previous stream has closed.
   */
  connect: () => Promise<Duplex>;
  tls: EtcdTls;
  /**
   * The name the member's certificate must carry. Default `127.0.0.1`, as Cluster API's client uses: kubeadm
   * puts `localhost`, `127.0.0.1` and `::1` on every member's serving certificate.
   */
  serverName?: string;
  /** Per call, connecting included. Default 15 s. */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** The header etcd puts on member and status answers. */
export interface EtcdResponseHeader {
  clusterId: string;
  /** The member that answered. */
  memberId: string;
  revision: number;
  raftTerm: number;
}

export interface EtcdMember {
  /** uint64 in decimal. */
  id: string;
  /** Empty until the member has started (kubeadm names members after their node). */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

export interface EtcdMemberList {
  header: EtcdResponseHeader;
  members: EtcdMember[];
}

export interface EtcdStatus {
  header: EtcdResponseHeader;
  version: string;
  dbSize: number;
  dbSizeInUse: number;
  /** The leader's id, or `0` when the member knows no leader. */
  leader: string;
  raftIndex: number;
  raftTerm: number;
  raftAppliedIndex: number;
  /** Active alarms as text (`memberID:<id> alarm:NOSPACE `). */
  errors: string[];
  isLearner: boolean;
}

export type EtcdAlarmType = 'NONE' | 'NOSPACE' | 'CORRUPT';

export interface EtcdAlarm {
  memberId: string;
  alarm: EtcdAlarmType;
}

export interface EtcdHealth {
  healthy: boolean;
  /** Why not (etcd 3.5+: `ALARM NOSPACE`, `RAFT NO LEADER`, ...); empty when healthy or when 3.4 answered. */
  reason: string;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const IDLE_TIMEOUT_MS = 30_000;

/**
 * A client for one etcd member, over whatever stream `connect` opens: TLS with the etcd client certificate,
 * then HTTP/1.1 JSON to the gRPC-gateway endpoints every etcd serves on its client port. This is the same
 * path against a real cluster (through the kube-apiserver's port forward) and a simulated one, so the
 * control-plane provider does not know which it talks to. One connection is kept open between calls;
 * `close()` ends it.
 */
export class EtcdClient {
  readonly #o: EtcdClientOptions;
  readonly #agent: TunnelAgent;

  constructor(options: EtcdClientOptions) {
    this.#o = options;
    this.#agent = new TunnelAgent(() => this.#open());
  }

  /** `MemberList`: every member, voters and learners. */
  async memberList(options: CallOptions = {}): Promise<EtcdMemberList> {
    const body = await this.#call('/v3/cluster/member/list', {}, options, true);
    return { header: headerOf(body), members: membersOf(body) };
  }

  /** `MemberRemove`; resolves with the members left. */
  async memberRemove(id: string, options: CallOptions = {}): Promise<EtcdMember[]> {
    return membersOf(await this.#call('/v3/cluster/member/remove', { ID: id }, options, false));
  }

  /** `MoveLeader`: only the current leader accepts it; `targetId` must be a voting member. */
  async moveLeader(targetId: string, options: CallOptions = {}): Promise<void> {
    await this.#call('/v3/maintenance/transfer-leadership', { targetID: targetId }, options, false);
  }

  /** `Status` of the member this client reaches. */
  async status(options: CallOptions = {}): Promise<EtcdStatus> {
    const body = await this.#call('/v3/maintenance/status', {}, options, true);
    return {
      header: headerOf(body),
      version: str(body.version),
      dbSize: num(body.dbSize),
      dbSizeInUse: num(body.dbSizeInUse),
      leader: str(body.leader) || '0',
      raftIndex: num(body.raftIndex),
      raftTerm: num(body.raftTerm),
      raftAppliedIndex: num(body.raftAppliedIndex),
      errors: Array.isArray(body.errors) ? body.errors.map(str) : [],
      isLearner: body.isLearner === true,
    };
  }

  /** The cluster's active alarms. */
  async alarmList(options: CallOptions = {}): Promise<EtcdAlarm[]> {
    const body = await this.#call('/v3/maintenance/alarm', { action: 'GET' }, options, true);
    const alarms = Array.isArray(body.alarms) ? (body.alarms as Record<string, unknown>[]) : [];
    return alarms.map((a) => ({
      memberId: str(a.memberID) || '0',
      alarm: (str(a.alarm) || 'NONE') as EtcdAlarmType,
    }));
  }

  /** `/health`: an unhealthy answer (503) is a result, not an error. */
  async health(options: CallOptions = {}): Promise<EtcdHealth> {
    const res = await this.#request('GET', '/health', undefined, options, true);
    if (res.status !== 200 && res.status !== 503) throw gatewayError(res.status, res.text);
    let body: { health?: unknown; reason?: unknown };
    try {
      body = JSON.parse(res.text) as { health?: unknown; reason?: unknown };
    } catch {
      throw new EtcdError(EtcdGrpcCode.Internal, `unexpected /health answer: ${res.text.slice(0, 200)}`);
    }
    return { healthy: body.health === 'true', reason: str(body.reason) };
  }

  /** Closes the connection (and with it the tunnel); an idle one closes by itself after 30 s. */
  close(): void {
    this.#agent.destroy();
  }

  async #open(): Promise<Duplex> {
    const stream = await this.#o.connect();
    const name = this.#o.serverName ?? '127.0.0.1';
    // SNI carries DNS names only; an IP is checked against the certificate's IP addresses through `host`.
    const socket = tlsConnect({
      socket: stream,
      ca: this.#o.tls.caPem,
      cert: this.#o.tls.certPem,
      key: this.#o.tls.keyPem,
      ...(isIP(name) ? { host: name } : { servername: name, host: name }),
    });
    // A TLS socket does not close the stream it wraps; the tunnel must not outlive the connection.
    socket.once('close', () => stream.destroy());
    return socket;
  }

  async #call(
    path: string,
    payload: Record<string, unknown>,
    options: CallOptions,
    idempotent: boolean,
  ): Promise<Record<string, unknown>> {
    const res = await this.#request('POST', path, payload, options, idempotent);
    if (res.status !== 200) throw gatewayError(res.status, res.text);
    try {
      const body = JSON.parse(res.text) as unknown;
      if (body && typeof body === 'object' && !Array.isArray(body)) return body as Record<string, unknown>;
    } catch {
      /* reported below */
    }
    throw new EtcdError(EtcdGrpcCode.Internal, `unexpected answer from ${path}: ${res.text.slice(0, 200)}`);
  }

  async #request(
    method: 'GET' | 'POST',
    path: string,
    payload: Record<string, unknown> | undefined,
    options: CallOptions,
    idempotent: boolean,
  ): Promise<{ status: number; text: string }> {
    try {
      return await this.#once(method, path, payload, options);
    } catch (err) {
      // A kept-alive connection can close while idle (the member restarted, the tunnel timed out); a read
      // is safe to send again on a fresh one. Changes are not: the first attempt may have been applied.
      if (idempotent && err instanceof StaleConnectionError)
        return await this.#once(method, path, payload, options);
      if (err instanceof StaleConnectionError) throw err.error;
      throw err;
    }
  }

  #once(
    method: 'GET' | 'POST',
    path: string,
    payload: Record<string, unknown> | undefined,
    options: CallOptions,
  ): Promise<{ status: number; text: string }> {
    const { signal } = options;
    const timeoutMs = this.#o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (signal?.aborted) return Promise.reject(canceled(signal));
    return new Promise((resolve, reject) => {
      const data = payload === undefined ? undefined : Buffer.from(JSON.stringify(payload));
      const req = http.request({
        agent: this.#agent,
        method,
        path,
        host: this.#o.serverName ?? '127.0.0.1',
        port: 2379,
        headers: {
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
        },
      });
      // `req.reusedSocket` misses a socket handed straight from one request to the next queued one.
      let reused = false;
      req.on('socket', (socket) => (reused = this.#agent.markUsed(socket)));
      let failure: EtcdError | undefined;
      const fail = (err: EtcdError): void => {
        failure ??= err;
        req.destroy(err);
      };
      const timer = setTimeout(
        () =>
          fail(
            new EtcdError(EtcdGrpcCode.DeadlineExceeded, 'context deadline exceeded', { reason: 'Timeout' }),
          ),
        timeoutMs,
      );
      const onAbort = (): void => fail(canceled(signal!));
      signal?.addEventListener('abort', onAbort, { once: true });
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      req.on('response', (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          done();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', () => undefined); // the request's 'error' reports it
      });
      req.on('error', (err) => {
        done();
        if (failure) return reject(failure);
        const unreachable = new EtcdError(
          EtcdGrpcCode.Unavailable,
          `etcd member unreachable: ${describe(err)}`,
          { reason: 'Unreachable', cause: err },
        );
        reject(reused ? new StaleConnectionError(unreachable) : unreachable);
      });
      req.end(data);
    });
  }
}

/** A failure on a connection reused from an earlier call, before any answer came back. */
class StaleConnectionError extends Error {
  constructor(readonly error: EtcdError) {
    super(error.message);
  }
}

/**
 * Keeps one connection to the member between calls; new connections come from the client's `connect`
 * (possibly a port-forward tunnel, which takes a round trip to the API server to open).
 */
class TunnelAgent extends http.Agent {
  readonly #open: () => Promise<Duplex>;
  readonly #used = new WeakSet<object>();

  constructor(open: () => Promise<Duplex>) {
    // An idle connection is closed after a while, so a client nobody closes does not hold a tunnel open
    // on the API server forever.
    super({ keepAlive: true, maxSockets: 1, timeout: IDLE_TIMEOUT_MS });
    this.#open = open;
  }

  /** Records that a request runs on `socket`; true when an earlier request already did. */
  markUsed(socket: object): boolean {
    const used = this.#used.has(socket);
    this.#used.add(socket);
    return used;
  }

  override createConnection(
    _options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): undefined {
    this.#open().then(
      (stream) => callback?.(null, stream),
      (err: unknown) => callback?.(err instanceof Error ? err : new Error(String(err)), undefined as never),
    );
    return undefined;
  }
}

function gatewayError(status: number, text: string): EtcdError {
  try {
    const body = JSON.parse(text) as { code?: unknown; message?: unknown; error?: unknown };
    if (typeof body.code === 'number') {
      return new EtcdError(body.code, str(body.message) || str(body.error), { httpStatus: status });
    }
  } catch {
    /* not a gateway error body */
  }
  // Plain-text 404/405 come from the gateway's router: the server does not serve that method.
  const code = status === 404 || status === 405 ? EtcdGrpcCode.Unimplemented : EtcdGrpcCode.Unknown;
  return new EtcdError(code, `etcd answered ${status}: ${text.trim().slice(0, 200)}`, { httpStatus: status });
}

function canceled(signal: AbortSignal): EtcdError {
  return new EtcdError(EtcdGrpcCode.Canceled, 'context canceled', {
    reason: 'Canceled',
    cause: signal.reason,
  });
}

/** The innermost message too: "socket hang up" says less than the port forward's own error. */
function describe(err: Error): string {
  const cause =
    err.cause instanceof Error && err.cause.message !== err.message ? `: ${describe(err.cause)}` : '';
  return `${err.message}${cause}`;
}

function headerOf(body: Record<string, unknown>): EtcdResponseHeader {
  const h = (body.header ?? {}) as Record<string, unknown>;
  return {
    clusterId: str(h.cluster_id) || '0',
    memberId: str(h.member_id) || '0',
    revision: num(h.revision),
    raftTerm: num(h.raft_term),
  };
}

function membersOf(body: Record<string, unknown>): EtcdMember[] {
  const members = Array.isArray(body.members) ? (body.members as Record<string, unknown>[]) : [];
  return members.map((m) => ({
    id: str(m.ID) || '0',
    name: str(m.name),
    peerURLs: Array.isArray(m.peerURLs) ? m.peerURLs.map(str) : [],
    clientURLs: Array.isArray(m.clientURLs) ? m.clientURLs.map(str) : [],
    isLearner: m.isLearner === true,
  }));
}

/** proto3 JSON sends 64-bit integers as strings (and may send small ones as numbers); absent is zero. */
function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  return 0;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}
