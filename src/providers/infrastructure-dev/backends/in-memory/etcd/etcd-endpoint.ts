import { X509Certificate } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, TLSSocket } from 'node:tls';
import type { EtcdCluster } from './etcd-cluster.js';
import { type EtcdMemberContext, handleEtcdRequest } from './etcd-gateway.js';

/** A member's serving certificate and key, and the etcd CA its clients' certificates must chain to (PEM). */
export interface EtcdMemberTls {
  certPem: string;
  keyPem: string;
  caPem: string;
}

export interface EtcdMemberEndpointOptions {
  cluster: EtcdCluster;
  memberId: string;
  tls: EtcdMemberTls;
}

/** A connection to a member's client port that nothing listens on, as the kubelet reports it. */
export class EtcdConnectionRefusedError extends Error {
  override readonly name = 'EtcdConnectionRefusedError';
  readonly code = 'ECONNREFUSED';
}

// One HTTP server for every simulated member of every cluster: it never listens, connections are handed to
// it, and each request finds its member through the socket it arrived on.
const members = new WeakMap<object, EtcdMemberContext>();
let sharedServer: Server | undefined;

function server(): Server {
  sharedServer ??= createServer((req, res) => {
    const ctx = members.get(req.socket);
    if (ctx) handleEtcdRequest(req, res, ctx);
    else req.socket.destroy();
  });
  return sharedServer;
}

// Parsing certificates and keys costs far more than a request; members keep their TLS object for life.
const secureContexts = new WeakMap<EtcdMemberTls, { context: SecureContext; ca: X509Certificate }>();

function credentials(tls: EtcdMemberTls): { context: SecureContext; ca: X509Certificate } {
  let c = secureContexts.get(tls);
  if (!c) {
    c = {
      context: createSecureContext({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem }),
      ca: new X509Certificate(tls.caPem),
    };
    secureContexts.set(tls, c);
  }
  return c;
}

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/**
 * Why a client certificate is not acceptable to etcd (`--client-cert-auth` with `--trusted-ca-file`), or
 * undefined. A TLSSocket outside a `tls.Server` completes the handshake whatever the chain, so the check is
 * made here: issued and signed by the etcd CA (kubeadm signs etcd clients with it directly), valid now, and
 * usable for client authentication.
 */
function clientCertificateProblem(socket: TLSSocket, ca: X509Certificate): string | undefined {
  const cert = socket.getPeerX509Certificate();
  if (!cert) return 'no client certificate';
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'certificate signed by unknown authority';
  const now = Date.now();
  if (now < Date.parse(cert.validFrom) || now > Date.parse(cert.validTo))
    return 'certificate has expired or is not yet valid';
  if (cert.keyUsage && !cert.keyUsage.includes(CLIENT_AUTH))
    return 'certificate specifies an incompatible key usage';
  return undefined;
}

/**
 * Serves a member's client port on a byte stream (one side of a tunnel): TLS as the member's server (client
 * certificate required, signed by the etcd CA), then HTTP/1.1 with etcd's JSON gateway and `/health`. A
 * refused or failed handshake closes the stream.
 */
export function serveEtcdMember(stream: Duplex, options: EtcdMemberEndpointOptions): void {
  const { context, ca } = credentials(options.tls);
  const socket = new TLSSocket(stream, {
    isServer: true,
    secureContext: context,
    requestCert: true,
    rejectUnauthorized: true,
  });
  socket.on('error', () => socket.destroy());
  socket.once('secure', () => {
    if (clientCertificateProblem(socket, ca)) {
      socket.destroy();
      return;
    }
    members.set(socket, { cluster: options.cluster, memberId: options.memberId });
    server().emit('connection', socket);
  });
  // Either end going away is the connection going away (the TLS socket does not close what it wraps).
  stream.once('close', () => socket.destroy());
  socket.once('close', () => stream.destroy());
}

/**
 * Opens a connection to a member's client port, as the kubelet's port forward does inside the etcd Pod:
 * refused when the member is stopped or no longer a member, accepted and never answered when it hangs.
 * This is the `PodPortConnector` answer for port 2379 of an etcd static Pod.
 */
export function connectEtcdMember(options: EtcdMemberEndpointOptions): Promise<Duplex> {
  const state = options.cluster.stateOf(options.memberId);
  if (state === 'stopped') {
    return Promise.reject(
      new EtcdConnectionRefusedError('dial tcp4 127.0.0.1:2379: connect: connection refused'),
    );
  }
  const [client, member] = duplexPair();
  if (state === 'hung') {
    // Bytes go in and nothing comes back, until the caller gives up and closes.
    member.resume();
  } else serveEtcdMember(member, options);
  return Promise.resolve(client);
}

/**
 * Two connected in-memory streams (Node 20 has no `stream.duplexPair`): what one writes the other reads; the
 * end of writing is the other's end of reading; destroying one destroys the other, as a reset does.
 */
export function duplexPair(): [Duplex, Duplex] {
  const a = new PairEnd();
  const b = new PairEnd();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

class PairEnd extends Duplex {
  peer!: PairEnd;
  /** The write waiting for the peer's reader to want more. */
  #blocked: (() => void) | undefined;

  override _read(): void {
    const resume = this.peer.#blocked;
    this.peer.#blocked = undefined;
    resume?.();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.peer.destroyed) {
      callback(new Error('the other end of the stream is closed'));
      return;
    }
    if (this.peer.push(chunk)) callback();
    else this.#blocked = () => callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.peer.push(null);
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#blocked = undefined;
    if (!this.peer.destroyed) this.peer.destroy();
    callback(error);
  }
}
