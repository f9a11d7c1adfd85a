import assert from 'node:assert/strict';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { CertificateAuthority } from '../../../../../pki/index.js';
import { EtcdCluster } from './etcd-cluster.js';
import { connectEtcdMember, EtcdConnectionRefusedError, type EtcdMemberTls } from './etcd-endpoint.js';

interface ClientCert {
  certPem: string;
  keyPem: string;
}

interface Answer {
  status: number;
  contentType: string;
  body: unknown;
}

/** One HTTP request to a member over a fresh tunnel, TLS as an etcd client does it. */
function call(
  open: () => Promise<Duplex>,
  caPem: string,
  client: ClientCert | undefined,
  request: { method?: string; path: string; body?: unknown; timeoutMs?: number },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = request.body === undefined ? undefined : JSON.stringify(request.body);
    const req = http.request({
      method: request.method ?? 'POST',
      path: request.path,
      host: '127.0.0.1',
      createConnection: (_options, done) => {
        open().then(
          (stream) =>
            done(
              null,
              tlsConnect({
                socket: stream,
                host: '127.0.0.1',
                ca: caPem,
                ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
              }),
            ),
          (err: Error) => done(err, undefined as never),
        );
        return undefined;
      },
    });
    // A ref'd timer: the in-memory streams hold nothing that keeps the event loop alive on their own.
    const timer = request.timeoutMs
      ? setTimeout(() => req.destroy(new Error('timed out')), request.timeoutMs)
      : undefined;
    req.on('close', () => clearTimeout(timer));
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        const contentType = res.headers['content-type'] ?? '';
        resolve({
          status: res.statusCode ?? 0,
          contentType,
          body: contentType.startsWith('application/json') || text.startsWith('{') ? JSON.parse(text) : text,
        });
      });
    });
    req.on('error', reject);
    req.end(data);
  });
}

describe('simulated etcd member endpoint', () => {
  let ca: string;
  let memberTls: EtcdMemberTls;
  let client: ClientCert;
  let stranger: ClientCert;

  before(async () => {
    const etcdCa = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
    const other = await CertificateAuthority.create({ commonName: 'other', keyAlgorithm: 'ECDSA-P256' });
    const serving = await etcdCa.issue({
      commonName: 'cp-0',
      dnsNames: ['localhost', 'cp-0'],
      ipAddresses: ['127.0.0.1', '::1'],
      usages: ['server', 'client'],
    });
    const c = await etcdCa.issue({ commonName: 'capi-etcd-client', usages: ['client'] });
    const s = await other.issue({ commonName: 'capi-etcd-client', usages: ['client'] });
    ca = etcdCa.certificatePem;
    memberTls = { certPem: serving.certificatePem, keyPem: serving.privateKeyPem, caPem: ca };
    client = { certPem: c.certificatePem, keyPem: c.privateKeyPem };
    stranger = { certPem: s.certificatePem, keyPem: s.privateKeyPem };
  });

  function cluster3(version?: string): { cluster: EtcdCluster; ids: string[] } {
    const cluster = new EtcdCluster(version ? { version } : {});
    const ids = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].map(
      (ip, i) => cluster.addMember({ name: `cp-${i}`, ip }).id,
    );
    return { cluster, ids };
  }

  it('answers member list and status with the JSON etcd sends', async () => {
    const { cluster, ids } = cluster3();
    const open = (): Promise<Duplex> => connectEtcdMember({ cluster, memberId: ids[1]!, tls: memberTls });
    const list = await call(open, ca, client, { path: '/v3/cluster/member/list', body: {} });
    assert.equal(list.status, 200);
    assert.equal(list.contentType, 'application/json');
    const byId = [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
    assert.deepEqual(list.body, {
      header: { cluster_id: cluster.clusterId, member_id: ids[1], raft_term: String(cluster.raftTerm) },
      members: byId.map((id) => {
        const i = ids.indexOf(id);
        return {
          ID: id,
          name: `cp-${i}`,
          peerURLs: [`https://10.0.0.${i + 1}:2380`],
          clientURLs: [`https://10.0.0.${i + 1}:2379`],
        };
      }),
    });
    const status = await call(open, ca, client, { path: '/v3/maintenance/status', body: {} });
    assert.deepEqual(status.body, {
      header: {
        cluster_id: cluster.clusterId,
        member_id: ids[1],
        revision: '1',
        raft_term: String(cluster.raftTerm),
      },
      version: '3.5.16',
      dbSize: '20480',
      leader: ids[0],
      raftIndex: String(cluster.raftIndex),
      raftTerm: String(cluster.raftTerm),
      raftAppliedIndex: String(cluster.raftIndex),
      dbSizeInUse: '16384',
    });
  });

  it('removes members, moves the leader and manages alarms; errors are grpc-gateway bodies', async () => {
    const { cluster, ids } = cluster3();
    const via = (i: number) => (): Promise<Duplex> =>
      connectEtcdMember({ cluster, memberId: ids[i]!, tls: memberTls });
    const fromFollower = await call(via(1), ca, client, {
      path: '/v3/maintenance/transfer-leadership',
      body: { targetID: ids[2] },
    });
    assert.deepEqual(fromFollower, {
      status: 412,
      contentType: 'application/json',
      body: { error: 'etcdserver: not leader', message: 'etcdserver: not leader', code: 9 },
    });
    const moved = await call(via(0), ca, client, {
      path: '/v3/maintenance/transfer-leadership',
      body: { targetID: ids[2] },
    });
    assert.deepEqual([moved.status, moved.body], [200, {}]);
    assert.equal(cluster.leaderId, ids[2]);

    const removed = await call(via(2), ca, client, {
      path: '/v3/cluster/member/remove',
      body: { ID: ids[0] },
    });
    assert.equal(removed.status, 200);
    assert.equal((removed.body as { members: unknown[] }).members.length, 2);
    const again = await call(via(2), ca, client, { path: '/v3/cluster/member/remove', body: { ID: ids[0] } });
    assert.deepEqual(
      [again.status, again.body],
      [404, { error: 'etcdserver: member not found', message: 'etcdserver: member not found', code: 5 }],
    );

    const raise = { action: 'ACTIVATE', memberID: ids[1], alarm: 'NOSPACE' };
    const raised = await call(via(1), ca, client, { path: '/v3/maintenance/alarm', body: raise });
    assert.deepEqual(raised.body, { alarms: [{ memberID: ids[1], alarm: 'NOSPACE' }] });
    const listed = await call(via(2), ca, client, { path: '/v3/maintenance/alarm', body: { action: 'GET' } });
    assert.deepEqual(listed.body, { alarms: [{ memberID: ids[1], alarm: 'NOSPACE' }] });
    const status = await call(via(2), ca, client, { path: '/v3/maintenance/status', body: {} });
    assert.deepEqual((status.body as { errors: string[] }).errors, [`memberID:${ids[1]} alarm:NOSPACE `]);
    await call(via(1), ca, client, {
      path: '/v3/maintenance/alarm',
      body: { ...raise, action: 'DEACTIVATE' },
    });
    const none = await call(via(2), ca, client, { path: '/v3/maintenance/alarm', body: { action: 'GET' } });
    assert.deepEqual(none.body, {});

    const badEnum = await call(via(2), ca, client, {
      path: '/v3/maintenance/alarm',
      body: { action: 'BOGUS' },
    });
    assert.deepEqual([badEnum.status, (badEnum.body as { code: number }).code], [400, 3]);
    const get = await call(via(2), ca, client, { method: 'GET', path: '/v3/cluster/member/list' });
    assert.deepEqual([get.status, get.body], [405, 'Method Not Allowed\n']);
    const unknown = await call(via(2), ca, client, { path: '/v3/cluster/member/nope', body: {} });
    assert.deepEqual([unknown.status, unknown.body], [404, 'Not Found\n']);
  });

  it('answers /health in the shape of the version it runs, 503 while an alarm is raised', async () => {
    for (const version of ['3.4.23', '3.5.16']) {
      const { cluster, ids } = cluster3(version);
      const open = (): Promise<Duplex> => connectEtcdMember({ cluster, memberId: ids[0]!, tls: memberTls });
      const ok = await call(open, ca, client, { method: 'GET', path: '/health' });
      assert.equal(ok.contentType, 'text/plain; charset=utf-8');
      assert.deepEqual(
        [ok.status, ok.body],
        [200, version === '3.4.23' ? { health: 'true' } : { health: 'true', reason: '' }],
      );
      cluster.activateAlarm(ids[0]!, 'NOSPACE');
      const alarmed = await call(open, ca, client, { method: 'GET', path: '/health' });
      assert.deepEqual(
        [alarmed.status, alarmed.body],
        [503, version === '3.4.23' ? { health: 'false' } : { health: 'false', reason: 'ALARM NOSPACE' }],
      );
    }
  });

  it('refuses clients without a certificate from the etcd CA', async () => {
    const { cluster, ids } = cluster3();
    const open = (): Promise<Duplex> => connectEtcdMember({ cluster, memberId: ids[0]!, tls: memberTls });
    for (const who of [stranger, undefined]) {
      const err = await call(open, ca, who, { path: '/v3/cluster/member/list', body: {} }).then(
        () => assert.fail('the member answered'),
        (e: Error) => e,
      );
      // TLS 1.3 clients finish their side first; the member then drops the connection unanswered.
      assert.match(err.message, /socket hang up|ECONNRESET|alert/);
    }
  });

  it('behaves like a dead process when stopped, removed or hung', async () => {
    const { cluster, ids } = cluster3();
    cluster.setHealthy(ids[1]!, false);
    await assert.rejects(
      connectEtcdMember({ cluster, memberId: ids[1]!, tls: memberTls }),
      (err: unknown) => err instanceof EtcdConnectionRefusedError && /connection refused/.test(err.message),
    );
    cluster.removeMember(ids[1]!);
    await assert.rejects(
      connectEtcdMember({ cluster, memberId: ids[1]!, tls: memberTls }),
      EtcdConnectionRefusedError,
    );

    cluster.setHealthy(ids[2]!, false, { hang: true });
    const hung = (): Promise<Duplex> => connectEtcdMember({ cluster, memberId: ids[2]!, tls: memberTls });
    await assert.rejects(
      call(hung, ca, client, { path: '/v3/maintenance/status', body: {}, timeoutMs: 200 }),
      /timed out/,
    );
  });

  it('drops a kept-alive connection once its member is removed', async () => {
    const { cluster, ids } = cluster3();
    const stream = await connectEtcdMember({ cluster, memberId: ids[2]!, tls: memberTls });
    const socket = tlsConnect({
      socket: stream,
      host: '127.0.0.1',
      ca,
      cert: client.certPem,
      key: client.keyPem,
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agent.createConnection = () => socket;
    const post = (): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = http.request({
          agent,
          method: 'POST',
          path: '/v3/maintenance/status',
          host: '127.0.0.1',
        });
        req.on('response', (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end('{}');
      });
    assert.equal(await post(), 200);
    cluster.removeMember(ids[2]!);
    await assert.rejects(post());
    agent.destroy();
    assert.equal(stream.destroyed, true);
  });
});
