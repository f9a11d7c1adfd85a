import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { CertificateAuthority } from '../../../pki/index.js';
import { EtcdClient, EtcdError, EtcdGrpcCode, type EtcdTls } from './etcd-client.js';

/**
 * A scripted HTTPS stand-in for one member's client port (mutual TLS like etcd), for what is awkward to
 * provoke on a real etcd: connections dying between calls, answers that never come. The shapes of real
 * answers are checked against etcd itself in test/e2e/etcd-access.e2e.test.ts.
 */
describe('EtcdClient', () => {
  let server: Server;
  let tls: EtcdTls;
  let port: number;
  let connections = 0;
  /** Requests served per connection; the second one on a connection kills it when `dropSecond` is set. */
  const served = new WeakMap<object, number>();
  let dropSecond = false;
  /** Leave every request unanswered, as a stuck member does. */
  let hang = false;

  before(async () => {
    const ca = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
    const serving = await ca.issue({ commonName: 'm', ipAddresses: ['127.0.0.1'], usages: ['server'] });
    const client = await ca.issue({ commonName: 'c', usages: ['client'] });
    tls = { caPem: ca.certificatePem, certPem: client.certificatePem, keyPem: client.privateKeyPem };
    server = createServer(
      {
        cert: serving.certificatePem,
        key: serving.privateKeyPem,
        ca: ca.certificatePem,
        requestCert: true,
        rejectUnauthorized: true,
      },
      (req, res) => {
        const n = (served.get(req.socket) ?? 0) + 1;
        served.set(req.socket, n);
        if (dropSecond && n === 2) return void req.socket.destroy();
        if (hang) return;
        const send = (code: number, body: string, type = 'application/json'): void => {
          res.writeHead(code, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
          res.end(body);
        };
        if (req.url === '/health')
          return send(503, '{"health":"false","reason":"RAFT NO LEADER"}', 'text/plain');
        if (req.url === '/v3/maintenance/status')
          return send(200, '{"header":{"member_id":"7"},"leader":"7"}');
        if (req.url === '/v3/cluster/member/remove') return send(200, '{"header":{},"members":[{"ID":"7"}]}');
        send(404, 'Not Found\n', 'text/plain; charset=utf-8');
      },
    );
    server.on('secureConnection', () => (connections += 1));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  const client = (timeoutMs?: number): EtcdClient =>
    new EtcdClient({
      connect: () => Promise.resolve(net.connect(port, '127.0.0.1')),
      tls,
      ...(timeoutMs ? { timeoutMs } : {}),
    });

  it('keeps one connection for consecutive calls and fills in what proto3 JSON leaves out', async () => {
    const etcd = client();
    const before = connections;
    try {
      const status = await etcd.status();
      assert.deepEqual(status, {
        header: { clusterId: '0', memberId: '7', revision: 0, raftTerm: 0 },
        version: '',
        dbSize: 0,
        dbSizeInUse: 0,
        leader: '7',
        raftIndex: 0,
        raftTerm: 0,
        raftAppliedIndex: 0,
        errors: [],
        isLearner: false,
      });
      await etcd.status();
      assert.equal(connections - before, 1);
      assert.deepEqual(await etcd.health(), { healthy: false, reason: 'RAFT NO LEADER' });
    } finally {
      etcd.close();
    }
  });

  it('sends a read again on a fresh connection when the kept one died, but never a change', async () => {
    dropSecond = true;
    const reads = client();
    const changes = client();
    try {
      await reads.status();
      assert.equal((await reads.status()).leader, '7', 'retried on a new connection');
      await changes.status();
      await assert.rejects(changes.memberRemove('7'), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.reason], [EtcdGrpcCode.Unavailable, 'Unreachable']);
        return true;
      });
    } finally {
      dropSecond = false;
      reads.close();
      changes.close();
    }
  });

  it('gives up after its timeout and on abort, with the codes a gRPC client would see', async () => {
    hang = true;
    const etcd = client(150);
    try {
      await assert.rejects(etcd.status(), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual(
          [err.code, err.reason, err.message],
          [EtcdGrpcCode.DeadlineExceeded, 'Timeout', 'context deadline exceeded'],
        );
        return true;
      });
      const controller = new AbortController();
      const pending = etcd.memberList({ signal: controller.signal });
      setTimeout(() => controller.abort(), 20);
      await assert.rejects(pending, (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.reason], [EtcdGrpcCode.Canceled, 'Canceled']);
        return true;
      });
    } finally {
      hang = false;
      etcd.close();
    }
  });

  it('maps a plain-text 404 from the gateway router to Unimplemented', async () => {
    const etcd = client();
    try {
      await assert.rejects(etcd.alarmList(), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.httpStatus], [EtcdGrpcCode.Unimplemented, 404]);
        return true;
      });
    } finally {
      etcd.close();
    }
  });
});
