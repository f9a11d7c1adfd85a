import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { request } from 'node:https';
import { type Duplex, PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { CertificateAuthority } from '../../pki/index.js';
import type { Attributes, Authorizer } from '../auth/attributes.js';
import type { UserInfo } from '../auth/user-info.js';
import { StoreAdapter } from '../embedded/store-adapter.js';
import { buildWiring } from '../embedded/wiring.js';
import { GenericRegistry, internalScope } from '../registry/generic-registry.js';
import { ResourceCatalog } from '../registry/resource-catalog.js';
import { RevisionedStore } from '../storage/index.js';
import { ApiServer } from './api-server.js';
import { OpenApiV3 } from './openapi.js';
import {
  PORT_FORWARD_PROTOCOL,
  PORT_FORWARD_PROTOCOL_BASE64,
  type PodPortConnector,
  type PodPortTarget,
} from './port-forward.js';
import { ResourceHandler } from './resource-handler.js';

interface Credentials {
  cert: string;
  key: string;
}

/**
 * An API server with the built-in kinds and a table authorizer: `admin` may do anything, `getter` may only
 * `get` (what a read-only role had before websocket upgrades needed `create`), everyone else nothing.
 */
async function startServer(connector: PodPortConnector | undefined): Promise<{
  url: string;
  ca: string;
  admin: Credentials;
  getter: Credentials;
  stranger: Credentials;
  stop(): Promise<void>;
}> {
  const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
  const serving = await ca.issue({ commonName: 'apiserver', ipAddresses: ['127.0.0.1'], usages: ['server'] });
  const issue = async (commonName: string): Promise<Credentials> => {
    const c = await ca.issue({ commonName, usages: ['client'] });
    return { cert: c.certificatePem, key: c.privateKeyPem };
  };
  const store = new StoreAdapter(RevisionedStore.memory());
  const catalog = new ResourceCatalog();
  const wiring = buildWiring();
  for (const def of wiring.builtins) catalog.add(def);
  const registry = new GenericRegistry({
    store,
    schemaFor: wiring.schemaFor,
    fieldManager: wiring.fieldManager,
    storageDefFor: (def) => wiring.storageDefFor(catalog, def),
    convert: wiring.convert,
    strategicMergePatch: wiring.strategicMergePatch,
    validateMeta: wiring.validateMeta,
    admission: wiring.admission,
  });
  const authorizer: Authorizer = {
    authorize: (user: UserInfo, attrs: Attributes) => ({
      allowed: user.name === 'admin' || (user.name === 'getter' && attrs.verb === 'get'),
      reason: '',
    }),
  };
  const server = new ApiServer({
    catalog,
    registry,
    handler: new ResourceHandler({ registry, tables: wiring.tables, selectorFor: wiring.selectorFor }),
    openapi: new OpenApiV3(catalog),
    authorizer,
    tls: { cert: serving.certificatePem, key: serving.privateKeyPem, clientCa: ca.certificatePem },
    ...(connector ? { portForward: connector } : {}),
  });
  await server.listen('127.0.0.1', 0);
  const pods = catalog.get('', 'v1', 'pods')!;
  const pod = (name: string, nodeName?: string): Record<string, unknown> => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'kube-system' },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ name: 'etcd', image: 'registry.k8s.io/etcd' }],
    },
  });
  await registry.create(pods, 'kube-system', pod('etcd-node1', 'node1'), internalScope('test'));
  await registry.create(pods, 'kube-system', pod('pending'), internalScope('test'));
  return {
    url: server.url.replace('https:', 'wss:'),
    ca: ca.certificatePem,
    admin: await issue('admin'),
    getter: await issue('getter'),
    stranger: await issue('stranger'),
    async stop() {
      await server.close();
      await store.close();
    },
  };
}

const PATH = '/api/v1/namespaces/kube-system/pods/etcd-node1/portforward';

/** Frames received on a WebSocket, in order, with a way to wait for the next one. */
class Frames {
  readonly #queue: Buffer[] = [];
  readonly #waiters: ((frame: Buffer) => void)[] = [];
  constructor(ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(data);
      else this.#queue.push(data);
    });
  }
  next(): Promise<Buffer> {
    const frame = this.#queue.shift();
    if (frame) return Promise.resolve(frame);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

async function open(
  env: { url: string; ca: string },
  who: Credentials | undefined,
  path = `${PATH}?ports=2379`,
  protocol = PORT_FORWARD_PROTOCOL,
): Promise<{ ws: WebSocket; frames: Frames }> {
  const ws = new WebSocket(`${env.url}${path}`, [protocol], { ca: env.ca, ...(who ?? {}) });
  const frames = new Frames(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      reject(new Error(`unexpected ${res.statusCode}`));
    });
  });
  return { ws, frames };
}

/** What a refused upgrade answers: the HTTP status and the Status body. */
async function refusal(
  env: { url: string; ca: string },
  who: Credentials | undefined,
  path: string,
): Promise<{ code: number; body: { reason?: string; message?: string; kind?: string } }> {
  const ws = new WebSocket(`${env.url}${path}`, [PORT_FORWARD_PROTOCOL], { ca: env.ca, ...(who ?? {}) });
  const [, res] = (await Promise.race([
    once(ws, 'unexpected-response'),
    once(ws, 'open').then(() => {
      throw new Error('the upgrade was accepted');
    }),
  ])) as [unknown, IncomingMessage];
  let text = '';
  for await (const chunk of res) text += String(chunk);
  ws.on('error', () => undefined); // terminating a refused handshake reports "closed before established"
  ws.terminate();
  return { code: res.statusCode ?? 0, body: JSON.parse(text) as { reason?: string; message?: string } };
}

const header = (channel: number, port: number): Buffer => Buffer.from([channel, port & 0xff, port >> 8]);

describe('pods/portforward over WebSocket (v4.channel.k8s.io)', () => {
  let env: Awaited<ReturnType<typeof startServer>>;
  const opened: { target: PodPortTarget; stream: Duplex }[] = [];
  let fail: Error | undefined;

  before(async () => {
    env = await startServer((target) => {
      if (fail) return Promise.reject(fail);
      // A PassThrough echoes what is written to it: an echo server on every port.
      const stream = new PassThrough();
      opened.push({ target, stream });
      return Promise.resolve(stream);
    });
  });
  after(async () => {
    await env?.stop();
  });

  it('announces the port on both channels, then carries bytes both ways on the data channel', async () => {
    const { ws, frames } = await open(env, env.admin);
    assert.deepEqual(await frames.next(), header(0, 2379));
    assert.deepEqual(await frames.next(), header(1, 2379));
    ws.send(Buffer.concat([Buffer.of(0), Buffer.from('ping')]));
    assert.deepEqual(await frames.next(), Buffer.concat([Buffer.of(0), Buffer.from('ping')]));
    const last = opened.at(-1)!;
    assert.equal(last.target.namespace, 'kube-system');
    assert.equal(last.target.pod, 'etcd-node1');
    assert.equal(last.target.port, 2379);
    assert.equal((last.target.podObject.spec as { nodeName: string }).nodeName, 'node1');
    ws.close();
    await once(ws, 'close');
  });

  it('gives each requested port its own pair of channels', async () => {
    const { ws, frames } = await open(env, env.admin, `${PATH}?ports=2379,2380`);
    const headers = [await frames.next(), await frames.next(), await frames.next(), await frames.next()];
    assert.deepEqual(headers, [header(0, 2379), header(1, 2379), header(2, 2380), header(3, 2380)]);
    ws.send(Buffer.concat([Buffer.of(2), Buffer.from('second')]));
    assert.deepEqual(await frames.next(), Buffer.concat([Buffer.of(2), Buffer.from('second')]));
    ws.close();
    await once(ws, 'close');
  });

  it('closing the WebSocket closes the stream to the pod', async () => {
    const { ws } = await open(env, env.admin);
    const { stream } = opened.at(-1)!;
    ws.close();
    await once(ws, 'close');
    if (!stream.destroyed) await once(stream, 'close');
    assert.equal(stream.destroyed, true);
  });

  it('the pod closing its end closes the WebSocket', async () => {
    const { ws, frames } = await open(env, env.admin);
    await frames.next();
    await frames.next();
    const { stream } = opened.at(-1)!;
    stream.push('bye');
    stream.push(null);
    assert.deepEqual(await frames.next(), Buffer.concat([Buffer.of(0), Buffer.from('bye')]));
    const [code] = (await once(ws, 'close')) as [number];
    assert.equal(code, 1000);
  });

  it('writes a failed connection as text on the error channel, then closes', async () => {
    fail = new Error('dial tcp 127.0.0.1:2379: connect: connection refused');
    try {
      const { ws, frames } = await open(env, env.admin);
      await frames.next();
      await frames.next();
      const error = await frames.next();
      assert.equal(error[0], 1);
      assert.match(
        error.subarray(1).toString(),
        /^error forwarding port 2379 to pod kube-system\/etcd-node1, uid [0-9a-f-]+: dial tcp 127\.0\.0\.1:2379: connect: connection refused$/,
      );
      const [code] = (await once(ws, 'close')) as [number];
      assert.equal(code, 1000);
    } finally {
      fail = undefined;
    }
  });

  it('speaks v4.base64.channel.k8s.io: a channel digit and base64 text', async () => {
    const { ws, frames } = await open(env, env.admin, `${PATH}?ports=2379`, PORT_FORWARD_PROTOCOL_BASE64);
    assert.equal(ws.protocol, PORT_FORWARD_PROTOCOL_BASE64);
    assert.equal((await frames.next()).toString(), '0' + Buffer.from([0x4b, 0x09]).toString('base64'));
    assert.equal((await frames.next()).toString(), '1' + Buffer.from([0x4b, 0x09]).toString('base64'));
    ws.send('0' + Buffer.from('hi').toString('base64'));
    assert.equal((await frames.next()).toString(), '0' + Buffer.from('hi').toString('base64'));
    ws.close();
    await once(ws, 'close');
  });

  it('answers refusals as plain HTTP with a Status, before upgrading', async () => {
    const unauthorized = await refusal(env, undefined, `${PATH}?ports=2379`);
    assert.equal(unauthorized.code, 401);
    assert.equal(unauthorized.body.reason, 'Unauthorized');

    const stranger = await refusal(env, env.stranger, `${PATH}?ports=2379`);
    assert.equal(stranger.code, 403);
    assert.equal(
      stranger.body.message,
      'pods "etcd-node1" is forbidden: User "stranger" cannot get resource "pods/portforward" in API group "" in the namespace "kube-system"',
    );
    // A read-only identity may not open tunnels: upgrades need `create` as well (kube-apiserver 1.35).
    const getter = await refusal(env, env.getter, `${PATH}?ports=2379`);
    assert.equal(getter.code, 403);
    assert.match(getter.body.message ?? '', /User "getter" cannot create resource "pods\/portforward"/);

    const missing = await refusal(
      env,
      env.admin,
      '/api/v1/namespaces/kube-system/pods/nope/portforward?ports=1',
    );
    assert.deepEqual(
      [missing.code, missing.body.reason, missing.body.message],
      [404, 'NotFound', 'pods "nope" not found'],
    );
    const noPorts = await refusal(env, env.admin, PATH);
    assert.deepEqual([noPorts.code, noPorts.body.message], [400, 'query parameter "ports" is required']);
    const badPort = await refusal(env, env.admin, `${PATH}?ports=70000`);
    assert.deepEqual([badPort.code, badPort.body.message], [400, 'unable to parse "70000" as a port']);
    const unscheduled = await refusal(
      env,
      env.admin,
      '/api/v1/namespaces/kube-system/pods/pending/portforward?ports=1',
    );
    assert.deepEqual(
      [unscheduled.code, unscheduled.body.message],
      [400, 'pod pending does not have a host assigned'],
    );
  });

  it('answers upgrade requests to other paths as ordinary requests', async () => {
    const ws = new WebSocket(`${env.url}/api/v1/namespaces/kube-system/pods`, { ca: env.ca, ...env.admin });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, IncomingMessage];
    let text = '';
    for await (const chunk of res) text += String(chunk);
    ws.on('error', () => undefined);
    ws.terminate();
    assert.equal(res.statusCode, 200);
    const list = JSON.parse(text) as { kind: string; items: unknown[] };
    assert.equal(list.kind, 'PodList');
    assert.equal(list.items.length, 2);
  });

  it('leaves ordinary requests authenticated and authorized as before', async () => {
    const get = (who: Credentials | undefined): Promise<number> =>
      new Promise((resolve, reject) => {
        const url = new URL(env.url.replace('wss:', 'https:'));
        const req = request(
          {
            host: url.hostname,
            port: url.port,
            path: '/api/v1/namespaces/kube-system/pods',
            ca: env.ca,
            ...who,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    assert.deepEqual([await get(undefined), await get(env.stranger), await get(env.admin)], [401, 403, 200]);
  });
});

describe('pods/portforward without a connector', () => {
  it('is not served', async () => {
    const env = await startServer(undefined);
    try {
      const res = await refusal(env, env.admin, `${PATH}?ports=2379`);
      assert.equal(res.code, 404);
      assert.equal(res.body.kind, 'Status');
    } finally {
      await env.stop();
    }
  });
});
