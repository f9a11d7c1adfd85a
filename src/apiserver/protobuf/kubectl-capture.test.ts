/**
 * Drives the real kubectl against a throwaway HTTPS server that speaks just enough of the API (legacy
 * discovery, POST recording, `/openapi/v2`) and checks that what kubectl sends as protobuf decodes to
 * the JSON kubectl itself prints for the same object. Skips when the binaries are missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { decodeKubernetesProtobuf } from './decode.js';
import { ProtobufDecodeError } from './errors.js';
import {
  acceptsOpenApiV2Protobuf,
  isKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MEDIA_TYPE,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE,
} from './media-types.js';
import { encodeMinimalOpenApiV2 } from './openapi-v2.js';

const run = promisify(execFile);

/** `name` on PATH, else in the gcloud SDK folder where this environment keeps versioned kubectls. */
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/lib/google-cloud-sdk/bin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  return undefined;
}

const kubectl133 = findBinary('kubectl.1.33');
const kubectl128 = findBinary('kubectl.1.28');
const openssl = findBinary('openssl');

interface Recorded {
  method: string;
  url: string;
  contentType: string;
  accept: string;
  body: Buffer;
}

interface Pki {
  ca: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with the openssl CLI. */
async function makePki(dir: string): Promise<Pki> {
  const f = (name: string): string => path.join(dir, name);
  /** Runs openssl with space-separated arguments; `@name` is a file in `dir`. */
  const ssl = async (args: string): Promise<void> => {
    await run(
      openssl!,
      args.split(' ').map((a) => (a.startsWith('@') ? f(a.slice(1)) : a)),
    );
  };
  const newKey = '-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes';
  await ssl(`req -x509 ${newKey} -days 1 -subj /CN=capi-ts-test-ca -keyout @ca.key -out @ca.crt`);
  const issue = async (name: string, subject: string, ext: string): Promise<void> => {
    writeFileSync(f(`${name}.ext`), ext);
    await ssl(`req ${newKey} -subj ${subject} -keyout @${name}.key -out @${name}.csr`);
    await ssl(
      `x509 -req -in @${name}.csr -CA @ca.crt -CAkey @ca.key -CAcreateserial -days 1 -extfile @${name}.ext -out @${name}.crt`,
    );
  };
  await issue(
    'server',
    '/CN=127.0.0.1',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n',
  );
  await issue('client', '/O=system:masters/CN=tester', 'extendedKeyUsage=clientAuth\n');
  const read = (name: string): string => readFileSync(f(name), 'utf8');
  return {
    ca: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    clientKey: read('client.key'),
    clientCert: read('client.crt'),
  };
}

const resource = (name: string, kind: string, namespaced: boolean, verbs: string[]): object => ({
  name,
  singularName: kind.toLowerCase(),
  namespaced,
  kind,
  verbs,
});
const CRUD = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];

function discovery(url: string, host: string): object | undefined {
  switch (url) {
    case '/version':
      return { major: '1', minor: '33', gitVersion: 'v1.33.0', platform: 'linux/amd64' };
    case '/api':
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
      };
    case '/apis':
      return {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [
          {
            name: 'authorization.k8s.io',
            versions: [{ groupVersion: 'authorization.k8s.io/v1', version: 'v1' }],
            preferredVersion: { groupVersion: 'authorization.k8s.io/v1', version: 'v1' },
          },
        ],
      };
    case '/api/v1':
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'v1',
        resources: [
          resource('configmaps', 'ConfigMap', true, CRUD),
          resource('namespaces', 'Namespace', false, CRUD),
          resource('secrets', 'Secret', true, CRUD),
        ],
      };
    case '/apis/authorization.k8s.io/v1':
      return {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'authorization.k8s.io/v1',
        resources: [resource('selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, ['create'])],
      };
    default:
      return undefined;
  }
}

/** The test API server: discovery, `/openapi/v2` in protobuf, and POSTs recorded and echoed as JSON. */
class FakeApiServer {
  readonly recorded: Recorded[] = [];
  /** When false, `/openapi/v2` answers 404 like a server without it. */
  serveOpenApiV2 = true;
  #server: ReturnType<typeof createServer>;
  #host = '';

  constructor(pki: Pki) {
    this.#server = createServer(
      { key: pki.serverKey, cert: pki.serverCert, ca: pki.ca, requestCert: true, rejectUnauthorized: true },
      (req, res) => void this.#handle(req, res),
    );
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.#host = `127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return `https://${this.#host}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(req.url ?? '/', 'https://x');
    const entry: Recorded = {
      method: req.method ?? '',
      url: url.pathname + url.search,
      contentType: req.headers['content-type'] ?? '',
      accept: req.headers.accept ?? '',
      body: Buffer.concat(chunks),
    };
    this.recorded.push(entry);
    const json = (code: number, body: unknown): void => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET') {
      if (url.pathname === '/openapi/v2' && this.serveOpenApiV2 && acceptsOpenApiV2Protobuf(entry.accept)) {
        res.writeHead(200, { 'Content-Type': OPENAPI_V2_PROTOBUF_MEDIA_TYPE });
        res.end(encodeMinimalOpenApiV2({ title: 'Kubernetes', version: 'v1.33.0' }));
        return;
      }
      const doc = discovery(url.pathname, this.#host);
      if (doc) return json(200, doc);
    }
    if (req.method === 'POST') {
      let object: Record<string, unknown>;
      try {
        object = isKubernetesProtobuf(entry.contentType)
          ? decodeKubernetesProtobuf(entry.body).object
          : (JSON.parse(entry.body.toString('utf8')) as Record<string, unknown>);
      } catch (err) {
        // Reported to kubectl (and so to the test) instead of crashing the handler.
        const code = err instanceof ProtobufDecodeError ? err.httpStatus : 400;
        return json(code, {
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code,
          message: String(err),
        });
      }
      if (object.kind === 'SelfSubjectAccessReview') object.status = { allowed: true };
      return json(201, object);
    }
    json(404, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'NotFound',
      code: 404,
      message: 'not found',
    });
  }
}

function writeKubeconfig(dir: string, server: string, pki: Pki): string {
  const b64 = (s: string): string => Buffer.from(s).toString('base64');
  const file = path.join(dir, 'kubeconfig');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'test', cluster: { server, 'certificate-authority-data': b64(pki.ca) } }],
      users: [
        {
          name: 'tester',
          user: { 'client-certificate-data': b64(pki.clientCert), 'client-key-data': b64(pki.clientKey) },
        },
      ],
      contexts: [{ name: 'test', context: { cluster: 'test', user: 'tester', namespace: 'default' } }],
      'current-context': 'test',
    }),
  );
  return file;
}

const missing = [!openssl && 'openssl', !kubectl133 && 'kubectl.1.33'].filter(Boolean).join(', ');

describe(
  'real kubectl against a recording server',
  { skip: missing ? `not installed: ${missing}` : false },
  () => {
    let dir = '';
    let server: FakeApiServer;
    let kubeconfig = '';

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'capi-ts-pb-'));
      const pki = await makePki(dir);
      server = new FakeApiServer(pki);
      kubeconfig = writeKubeconfig(dir, await server.listen(), pki);
    });

    after(async () => {
      await server?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    /** Runs kubectl (asynchronously: the server lives in this process) with a fresh discovery cache. */
    async function kubectl(binary: string, ...args: string[]): Promise<string> {
      const { stdout } = await run(
        binary,
        ['--kubeconfig', kubeconfig, '--cache-dir', path.join(dir, 'cache'), ...args],
        { env: { ...process.env, HOME: dir, KUBECONFIG: '' }, timeout: 60_000 },
      );
      return stdout;
    }

    /** Runs a kubectl 1.33 command and returns the one POST it made. */
    async function capturePost(...args: string[]): Promise<{ post: Recorded; stdout: string }> {
      const before = server.recorded.length;
      const stdout = await kubectl(kubectl133!, ...args);
      const posts = server.recorded.slice(before).filter((r) => r.method === 'POST');
      assert.equal(posts.length, 1, `one POST for kubectl ${args.join(' ')}`);
      return { post: posts[0]!, stdout };
    }

    /**
     * What kubectl prints for the same object with `--dry-run=client -o json`: Go's JSON of the typed
     * object it would send. kubectl 1.33 predates `omitzero` on creationTimestamp (apimachinery 1.34), so
     * its `"creationTimestamp": null` is dropped here, as current Go does.
     */
    async function dryRunJson(...args: string[]): Promise<unknown> {
      const printed = JSON.parse(await kubectl(kubectl133!, ...args, '--dry-run=client', '-o', 'json')) as {
        metadata?: Record<string, unknown>;
      };
      if (printed.metadata?.creationTimestamp === null) delete printed.metadata.creationTimestamp;
      return printed;
    }

    const cases: { args: string[]; url: string; expected: Record<string, unknown> }[] = [
      {
        args: ['create', 'namespace', 'smoke'],
        url: '/api/v1/namespaces',
        expected: { kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'smoke' }, spec: {}, status: {} },
      },
      {
        args: ['create', 'configmap', 'c1', '-n', 'default', '--from-literal=a=1', '--from-literal=b=two'],
        url: '/api/v1/namespaces/default/configmaps',
        expected: {
          kind: 'ConfigMap',
          apiVersion: 'v1',
          metadata: { name: 'c1', namespace: 'default' },
          data: { a: '1', b: 'two' },
        },
      },
      {
        args: ['create', 'secret', 'generic', 's1', '--from-literal=k=v'],
        url: '/api/v1/namespaces/default/secrets',
        expected: {
          kind: 'Secret',
          apiVersion: 'v1',
          metadata: { name: 's1' },
          data: { k: Buffer.from('v').toString('base64') },
        },
      },
    ];

    for (const { args, url, expected } of cases) {
      it(`kubectl ${args.slice(0, 3).join(' ')} sends protobuf that decodes to kubectl's own JSON`, async () => {
        const { post, stdout } = await capturePost(...args);
        assert.match(stdout, / created$/m);
        assert.equal(post.url.split('?')[0], url);
        assert.equal(post.contentType, KUBERNETES_PROTOBUF_MEDIA_TYPE);
        assert.match(post.accept, /^application\/vnd\.kubernetes\.protobuf,application\/json$/);
        const decoded = decodeKubernetesProtobuf(post.body);
        assert.deepEqual(decoded.unknownFields, []);
        assert.deepEqual(decoded.object, expected);
        assert.deepEqual(decoded.object, await dryRunJson(...args));
      });
    }

    it('kubectl auth can-i sends a protobuf SelfSubjectAccessReview', async () => {
      const { post, stdout } = await capturePost('auth', 'can-i', 'list', 'pods', '-n', 'default');
      assert.equal(stdout.trim(), 'yes'); // the server echoed status.allowed = true
      assert.equal(post.url, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews');
      assert.equal(post.contentType, KUBERNETES_PROTOBUF_MEDIA_TYPE);
      const decoded = decodeKubernetesProtobuf(post.body);
      assert.equal(decoded.apiVersion, 'authorization.k8s.io/v1');
      assert.equal(decoded.kind, 'SelfSubjectAccessReview');
      assert.deepEqual(decoded.object, {
        kind: 'SelfSubjectAccessReview',
        apiVersion: 'authorization.k8s.io/v1',
        metadata: {},
        spec: { resourceAttributes: { namespace: 'default', verb: 'list', resource: 'pods' } },
        status: { allowed: false }, // `allowed` has no omitempty in Go
      });
    });

    describe(
      'kubectl 1.28 apply validates against /openapi/v2',
      { skip: kubectl128 ? false : 'kubectl.1.28 not installed' },
      () => {
        const manifest = (): string => {
          const file = path.join(dir, 'cm.yaml');
          writeFileSync(
            file,
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c2\n  namespace: default\ndata:\n  x: "1"\n',
          );
          return file;
        };

        it('accepts the minimal protobuf document', async () => {
          server.serveOpenApiV2 = true;
          const start = server.recorded.length;
          const stdout = await kubectl(kubectl128!, 'apply', '--dry-run=client', '-f', manifest());
          assert.match(stdout, /^configmap\/c2 created \(dry run\)$/m);
          const openapi = server.recorded.slice(start).find((r) => r.url.startsWith('/openapi/v2'));
          assert.equal(openapi?.accept, OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE);
        });

        it('fails without it (so the test above proves something)', async () => {
          server.serveOpenApiV2 = false;
          try {
            await assert.rejects(
              kubectl(kubectl128!, 'apply', '--dry-run=client', '-f', manifest()),
              (err: { stderr?: string }) => {
                // kubectl 1.28 reports the 404 of its /openapi/v2 download and aborts.
                assert.match(err.stderr ?? '', /NotFound/);
                return true;
              },
            );
          } finally {
            server.serveOpenApiV2 = true;
          }
        });
      },
    );
  },
);
