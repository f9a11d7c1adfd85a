import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import type { PodPortConnector } from '../../src/apiserver/http/port-forward.js';
import { ServiceAccountTokens } from '../../src/apiserver/auth/service-account-tokens.js';
import { createApiServerInstance } from '../../src/apiserver/embedded/api-server-instance.js';
import { internalScope } from '../../src/apiserver/registry/generic-registry.js';
import { RevisionedStore } from '../../src/apiserver/storage/index.js';
import {
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
} from '../../src/controller-runtime/client/errors.js';
import { PortForwardError, portForward } from '../../src/controller-runtime/client/port-forward.js';
import type { RestConfig } from '../../src/controller-runtime/client/rest-config.js';
import { CertificateAuthority } from '../../src/pki/index.js';
import {
  EtcdClient,
  EtcdError,
  EtcdGrpcCode,
  type EtcdTls,
} from '../../src/providers/control-plane-kubeadm/etcd/etcd-client.js';
import { EtcdCluster } from '../../src/providers/infrastructure-dev/backends/in-memory/etcd/etcd-cluster.js';
import {
  connectEtcdMember,
  EtcdConnectionRefusedError,
  type EtcdMemberTls,
} from '../../src/providers/infrastructure-dev/backends/in-memory/etcd/etcd-endpoint.js';

const ETCD = (process.env.PATH ?? '')
  .split(path.delimiter)
  .map((dir) => path.join(dir, 'etcd'))
  .find((file) => existsSync(file));
const NO_ETCD = 'the etcd binary is not on PATH (Debian package etcd-server)';

/** The etcd CA, a member serving certificate per node, and the client certificate the control plane uses. */
interface EtcdPki {
  caPem: string;
  client: EtcdTls;
  member(node: string): EtcdMemberTls;
}

async function etcdPki(nodes: string[]): Promise<EtcdPki> {
  const ca = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
  const members = new Map<string, EtcdMemberTls>();
  for (const node of nodes) {
    // What kubeadm puts on etcd/server.crt: the node name, localhost and the loopback addresses.
    const serving = await ca.issue({
      commonName: node,
      dnsNames: [node, 'localhost'],
      ipAddresses: ['127.0.0.1', '::1'],
      usages: ['server', 'client'],
    });
    members.set(node, {
      certPem: serving.certificatePem,
      keyPem: serving.privateKeyPem,
      caPem: ca.certificatePem,
    });
  }
  const client = await ca.issue({ commonName: 'kube-apiserver-etcd-client', usages: ['client'] });
  return {
    caPem: ca.certificatePem,
    client: { caPem: ca.certificatePem, certPem: client.certificatePem, keyPem: client.privateKeyPem },
    member: (node) => members.get(node)!,
  };
}

interface RawAnswer {
  status: number;
  contentType: string;
  body: unknown;
}

/** One request exactly as written, over a fresh connection: the judge compares what comes back. */
function raw(
  connect: () => Promise<Duplex>,
  tls: EtcdTls,
  method: string,
  pathname: string,
  body?: unknown,
): Promise<RawAnswer> {
  return new Promise<RawAnswer>((resolve, reject) => {
    const req = http.request({
      method,
      path: pathname,
      host: '127.0.0.1',
      createConnection: (_o, done) => {
        connect().then(
          (socket) =>
            done(
              null,
              tlsConnect({ socket, host: '127.0.0.1', ca: tls.caPem, cert: tls.certPem, key: tls.keyPem }),
            ),
          (err: Error) => done(err, undefined as never),
        );
        return undefined;
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* plain text */
        }
        resolve({
          status: res.statusCode ?? 0,
          contentType: res.headers['content-type'] ?? '',
          body: parsed,
        });
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

/** The structure of a JSON value: keys and value kinds (decimal strings apart from other strings). */
function shape(v: unknown): unknown {
  if (Array.isArray(v)) return v.length > 0 ? [shape(v[0])] : [];
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, shape(x)]),
    );
  if (typeof v === 'string' && /^\d+$/.test(v)) return 'decimal';
  return typeof v;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A one-member etcd on loopback with kubeadm's TLS settings (client certificates required). */
async function startRealEtcd(pki: EtcdPki, dir: string): Promise<{ port: number; stop(): Promise<void> }> {
  const member = pki.member('node1');
  const files = {
    ca: path.join(dir, 'ca.crt'),
    cert: path.join(dir, 'server.crt'),
    key: path.join(dir, 'server.key'),
  };
  await writeFile(files.ca, pki.caPem);
  await writeFile(files.cert, member.certPem);
  await writeFile(files.key, member.keyPem, { mode: 0o600 });
  const [client, peer] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(
    ETCD!,
    [
      '--name=node1',
      `--data-dir=${path.join(dir, 'data')}`,
      `--listen-client-urls=https://127.0.0.1:${client}`,
      `--advertise-client-urls=https://127.0.0.1:${client}`,
      `--listen-peer-urls=https://127.0.0.1:${peer}`,
      `--initial-advertise-peer-urls=https://127.0.0.1:${peer}`,
      `--initial-cluster=node1=https://127.0.0.1:${peer}`,
      `--cert-file=${files.cert}`,
      `--key-file=${files.key}`,
      `--trusted-ca-file=${files.ca}`,
      '--client-cert-auth=true',
      `--peer-cert-file=${files.cert}`,
      `--peer-key-file=${files.key}`,
      `--peer-trusted-ca-file=${files.ca}`,
      '--peer-client-cert-auth=true',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr!.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const etcd = new EtcdClient({
    connect: () => Promise.resolve(net.connect(client, '127.0.0.1')),
    tls: pki.client,
  });
  try {
    for (let deadline = Date.now() + 15_000; ;) {
      if (child.exitCode !== null) throw new Error(`etcd exited (${child.exitCode}):\n${log}`);
      const healthy = await etcd.health().then(
        (h) => h.healthy,
        () => false,
      );
      if (healthy) break;
      if (Date.now() > deadline) throw new Error(`etcd did not become healthy:\n${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  } finally {
    etcd.close();
  }
  return {
    port: client,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

describe(
  'etcd client against the real etcd, shapes judged against the simulated member',
  { skip: ETCD ? false : NO_ETCD },
  () => {
    let pki: EtcdPki;
    let dir: string;
    let real: { port: number; stop(): Promise<void> };
    let connectReal: () => Promise<Duplex>;

    before(async () => {
      pki = await etcdPki(['node1']);
      dir = await mkdtemp(path.join(tmpdir(), 'capi-etcd-'));
      real = await startRealEtcd(pki, dir);
      connectReal = () => Promise.resolve(net.connect(real.port, '127.0.0.1'));
    });
    after(async () => {
      await real?.stop();
      if (dir) await rm(dir, { recursive: true, force: true });
    });

    it('reads members, status, alarms and health through EtcdClient', async () => {
      const etcd = new EtcdClient({ connect: connectReal, tls: pki.client });
      try {
        const list = await etcd.memberList();
        assert.match(list.header.clusterId, /^[1-9]\d*$/);
        assert.equal(list.members.length, 1);
        const [member] = list.members;
        assert.equal(member!.name, 'node1');
        assert.match(member!.id, /^[1-9]\d*$/);
        assert.equal(list.header.memberId, member!.id);
        assert.deepEqual(member!.clientURLs, [`https://127.0.0.1:${real.port}`]);
        assert.equal(member!.isLearner, false);

        const status = await etcd.status();
        assert.match(status.version, /^3\.\d+\.\d+$/);
        assert.equal(status.leader, member!.id);
        assert.ok(status.dbSize > 0 && status.raftIndex > 0 && status.raftTerm > 0);
        assert.equal(status.header.revision, 1);
        assert.deepEqual(status.errors, []);
        assert.deepEqual(await etcd.alarmList(), []);
        assert.deepEqual(await etcd.health(), { healthy: true, reason: '' });

        await assert.rejects(etcd.memberRemove('1'), (err: unknown) => {
          assert.ok(err instanceof EtcdError);
          assert.deepEqual(
            [err.code, err.reason, err.httpStatus],
            [EtcdGrpcCode.NotFound, 'MemberNotFound', 404],
          );
          return true;
        });
        await assert.rejects(etcd.moveLeader('1'), (err: unknown) => {
          assert.ok(err instanceof EtcdError);
          assert.deepEqual([err.code, err.reason, err.httpStatus], [9, 'BadLeaderTransferee', 412]);
          return true;
        });
        await etcd.moveLeader(member!.id); // to itself: etcd accepts it
      } finally {
        etcd.close();
      }
    });

    it('the simulated member answers every call with the status, content type and JSON shape etcd does', async () => {
      const cluster = new EtcdCluster({ version: '3.4.23' });
      const simulated = cluster.addMember({ name: 'node1', ip: '127.0.0.1' });
      const connectSim = (): Promise<Duplex> =>
        connectEtcdMember({ cluster, memberId: simulated.id, tls: pki.member('node1') });
      const realId = (await raw(connectReal, pki.client, 'POST', '/v3/maintenance/status', {})).body as {
        header: { member_id: string };
      };
      const ids = { real: realId.header.member_id, sim: simulated.id };
      const calls: [string, string, (id: string) => unknown][] = [
        ['POST', '/v3/cluster/member/list', () => ({})],
        ['POST', '/v3/maintenance/status', () => ({})],
        ['POST', '/v3/maintenance/alarm', () => ({ action: 'GET' })],
        ['POST', '/v3/maintenance/alarm', (id) => ({ action: 'ACTIVATE', memberID: id, alarm: 'NOSPACE' })],
        ['POST', '/v3/maintenance/alarm', () => ({ action: 'GET' })],
        ['POST', '/v3/maintenance/status', () => ({})],
        ['GET', '/health', () => undefined],
        ['POST', '/v3/maintenance/alarm', (id) => ({ action: 'DEACTIVATE', memberID: id, alarm: 'NOSPACE' })],
        ['GET', '/health', () => undefined],
        ['POST', '/v3/maintenance/transfer-leadership', (id) => ({ targetID: id })],
        ['POST', '/v3/maintenance/transfer-leadership', () => ({ targetID: '1' })],
        ['POST', '/v3/cluster/member/remove', () => ({ ID: '1' })],
        ['POST', '/v3/maintenance/alarm', () => ({ action: 'BOGUS' })],
        ['POST', '/v3/cluster/member/list', () => undefined],
        ['GET', '/v3/cluster/member/list', () => undefined],
        ['POST', '/v3/cluster/member/nope', () => ({})],
      ];
      for (const [method, pathname, body] of calls) {
        const want = await raw(connectReal, pki.client, method, pathname, body(ids.real));
        const got = await raw(connectSim, pki.client, method, pathname, body(ids.sim));
        const what = `${method} ${pathname} ${JSON.stringify(body('<id>'))}`;
        assert.equal(got.status, want.status, `${what}: status`);
        assert.equal(got.contentType, want.contentType, `${what}: content type`);
        assert.deepEqual(shape(got.body), shape(want.body), `${what}: shape of ${JSON.stringify(want.body)}`);
        // Error bodies and texts carry no ids: they must match word for word.
        if (want.status !== 200 && !(pathname === '/health')) assert.deepEqual(got.body, want.body, what);
      }
    });
  },
);

/**
 * A workload cluster's API server (the same assembly the in-memory provider runs per cluster) serving
 * pods/portforward, with the etcd static Pods of a three-node control plane tunnelled to simulated members:
 * the path the control-plane provider uses.
 */
async function startWorkloadApiServer(connector: PodPortConnector): Promise<{
  admin: RestConfig;
  as(user: string): Promise<RestConfig>;
  anonymous: RestConfig;
  stop(): Promise<void>;
}> {
  const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
  const serving = await ca.issue({
    commonName: 'kube-apiserver',
    ipAddresses: ['127.0.0.1'],
    usages: ['server'],
  });
  const instance = await createApiServerInstance({
    store: RevisionedStore.memory(),
    tls: { cert: serving.certificatePem, key: serving.privateKeyPem, clientCa: ca.certificatePem },
    serviceAccountKeyPem: ServiceAccountTokens.generateKeyPem(),
    server: { portForward: connector },
  });
  const { server, registry, catalog } = instance;
  await server.listen('127.0.0.1', 0);
  const pods = catalog.get('', 'v1', 'pods')!;
  for (const node of ['node1', 'node2', 'node3']) {
    // The mirror Pod the kubelet publishes for kubeadm's etcd static Pod manifest.
    await registry.create(
      pods,
      'kube-system',
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: `etcd-${node}`,
          namespace: 'kube-system',
          labels: { component: 'etcd', tier: 'control-plane' },
        },
        spec: {
          nodeName: node,
          hostNetwork: true,
          containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd:3.5.16-0', command: ['etcd'] }],
        },
      },
      internalScope('kubelet'),
    );
  }
  const base = { server: server.url, caPem: ca.certificatePem, namespace: 'default', source: 'test' };
  const as = async (user: string, groups: string[] = []): Promise<RestConfig> => {
    const cert = await ca.issue({ commonName: user, organizations: groups, usages: ['client'] });
    return { ...base, clientCertificatePem: cert.certificatePem, clientKeyPem: cert.privateKeyPem };
  };
  return {
    admin: await as('kubernetes-admin', ['system:masters']),
    as: (user) => as(user),
    anonymous: base,
    stop: () => instance.stop(),
  };
}

describe('etcd of a simulated workload cluster through pods/portforward', () => {
  let pki: EtcdPki;
  let cluster: EtcdCluster;
  let api: Awaited<ReturnType<typeof startWorkloadApiServer>>;
  const streams: Duplex[] = [];

  before(async () => {
    pki = await etcdPki(['node1', 'node2', 'node3']);
    cluster = new EtcdCluster();
    for (const [i, node] of ['node1', 'node2', 'node3'].entries())
      cluster.addMember({ name: node, ip: `10.0.0.${i + 1}` });
    api = await startWorkloadApiServer(async ({ namespace, pod, port, podObject }) => {
      const node = (podObject.spec as { nodeName: string }).nodeName;
      const member = cluster.memberByName(node);
      if (namespace !== 'kube-system' || !pod.startsWith('etcd-') || port !== 2379 || !member)
        throw new EtcdConnectionRefusedError(`dial tcp4 127.0.0.1:${port}: connect: connection refused`);
      const stream = await connectEtcdMember({ cluster, memberId: member.id, tls: pki.member(node) });
      streams.push(stream);
      return stream;
    });
  });
  after(async () => {
    await api?.stop();
  });

  const clientFor = (node: string, config?: RestConfig, timeoutMs?: number): EtcdClient =>
    new EtcdClient({
      connect: () =>
        portForward(config ?? api.admin, { namespace: 'kube-system', pod: `etcd-${node}`, port: 2379 }),
      tls: pki.client,
      ...(timeoutMs ? { timeoutMs } : {}),
    });

  it('lists members and reads status and health through one tunnel, and closes it', async () => {
    const opened = streams.length;
    const etcd = clientFor('node2');
    try {
      const list = await etcd.memberList();
      assert.deepEqual(list.members.map((m) => m.name).sort(), ['node1', 'node2', 'node3']);
      assert.equal(list.header.clusterId, cluster.clusterId);
      assert.equal(list.header.memberId, cluster.memberByName('node2')!.id);
      assert.deepEqual(cluster.memberByName('node3')!.peerURLs, ['https://10.0.0.3:2380']);
      const status = await etcd.status();
      assert.equal(status.leader, cluster.memberByName('node1')!.id);
      assert.equal(status.version, '3.5.16');
      assert.deepEqual(await etcd.alarmList(), []);
      assert.deepEqual(await etcd.health(), { healthy: true, reason: '' });
      assert.equal(streams.length, opened + 1, 'the calls share one kept-alive tunnel');
    } finally {
      etcd.close();
    }
    const stream = streams.at(-1)!;
    if (!stream.destroyed) await new Promise((resolve) => stream.once('close', resolve));
    assert.equal(stream.destroyed, true, 'closing the client closes the tunnel to the member');
  });

  it('moves the leader only from the leader, then removes a member, which stops answering', async () => {
    const [n1, n2, n3] = ['node1', 'node2', 'node3'].map((n) => cluster.memberByName(n)!.id);
    const follower = clientFor('node2');
    const leader = clientFor('node1');
    const removed = clientFor('node3');
    try {
      await assert.rejects(follower.moveLeader(n3!), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.reason], [EtcdGrpcCode.FailedPrecondition, 'NotLeader']);
        return true;
      });
      await leader.moveLeader(n2!);
      assert.equal((await follower.status()).leader, n2);
      assert.equal((await removed.status()).leader, n2);

      const left = await follower.memberRemove(n3!);
      assert.deepEqual(left.map((m) => m.id).sort(), [n1, n2].sort());
      await assert.rejects(
        follower.memberRemove(n3!),
        (err: unknown) => err instanceof EtcdError && err.reason === 'MemberNotFound',
      );
      // The removed member's process is gone: its kept-alive connection drops, a new tunnel is refused.
      await assert.rejects(removed.status(), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.reason], [EtcdGrpcCode.Unavailable, 'Unreachable']);
        assert.match(err.message, /connection refused/);
        return true;
      });
    } finally {
      follower.close();
      leader.close();
      removed.close();
    }
  });

  it('reports alarms and unhealthy or hung members as etcd clients see them', async () => {
    const n1 = cluster.memberByName('node1')!.id;
    const etcd = clientFor('node1');
    try {
      cluster.activateAlarm(n1, 'NOSPACE');
      assert.deepEqual(await etcd.alarmList(), [{ memberId: n1, alarm: 'NOSPACE' }]);
      assert.deepEqual(await etcd.health(), { healthy: false, reason: 'ALARM NOSPACE' });
      cluster.deactivateAlarm(n1, 'NOSPACE');
    } finally {
      etcd.close();
    }
    cluster.setHealthy(n1, false, { hang: true });
    const hung = clientFor('node1', undefined, 300);
    try {
      await assert.rejects(hung.status(), (err: unknown) => {
        assert.ok(err instanceof EtcdError);
        assert.deepEqual([err.code, err.reason], [EtcdGrpcCode.DeadlineExceeded, 'Timeout']);
        return true;
      });
    } finally {
      hung.close();
      cluster.setHealthy(n1, true);
    }
  });

  it('refuses tunnels without credentials (401), without RBAC (403), and to unknown pods (404)', async () => {
    const target = { namespace: 'kube-system', pod: 'etcd-node1', port: 2379 };
    await assert.rejects(portForward(api.anonymous, target), UnauthorizedError);
    await assert.rejects(portForward(await api.as('nobody'), target), (err: unknown) => {
      assert.ok(err instanceof ForbiddenError);
      assert.match(err.message, /User "nobody" cannot get resource "pods\/portforward"/);
      return true;
    });
    await assert.rejects(portForward(api.admin, { ...target, pod: 'etcd-node9' }), (err: unknown) => {
      assert.ok(err instanceof NotFoundError);
      assert.equal(err.message, 'pods "etcd-node9" not found');
      return true;
    });
    // A port nothing listens on: the tunnel opens, then the kubelet's error arrives on the error channel.
    const stream = await portForward(api.admin, { ...target, port: 2380 });
    const error = await new Promise<unknown>((resolve) => {
      stream.on('error', resolve);
      stream.resume();
    });
    assert.ok(error instanceof PortForwardError);
    assert.match(
      error.message,
      /error forwarding port 2380 to pod kube-system\/etcd-node1, uid [0-9a-f-]+: dial tcp4 127\.0\.0\.1:2380: connect: connection refused/,
    );
  });
});
