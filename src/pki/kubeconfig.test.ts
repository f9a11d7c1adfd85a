import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { createAdminKubeconfig } from './admin-kubeconfig.js';
import { CertificateAuthority, type IssuedCertificate } from './certificate-authority.js';
import { buildKubeconfig, type BuildKubeconfigOptions, kubeconfigNames } from './kubeconfig.js';
import { readKubeconfigFile, writeKubeconfigFile } from './kubeconfig-file.js';
import { resolveKubeconfig } from './kubeconfig-resolve.js';
import { parseKubeconfig, stringifyKubeconfig } from './kubeconfig-yaml.js';
import { InvalidKubeconfigError } from './pki-errors.js';
import {
  kubectlGetVersion,
  openssl,
  run,
  type Scratch,
  scratch,
  startTlsServer,
  type TlsServer,
  VERSION_BODY,
} from './test-helpers.js';

const b64 = (text: string): string => Buffer.from(text).toString('base64');

describe('kubeconfig', () => {
  let tmp: Scratch;
  let ca: CertificateAuthority;
  let serving: IssuedCertificate;
  let client: IssuedCertificate;
  /** Requires a client certificate from `ca` (kube-apiserver's --client-ca-file). */
  let mtlsServer: TlsServer;
  /** Accepts bearer token `t0ken.for-kubectl` only. */
  let tokenServer: TlsServer;
  /** Subjects of the client certificates the mTLS server verified. */
  const seen: { cn: unknown; o: unknown }[] = [];

  const answerVersion = (res: ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(VERSION_BODY));
  };

  before(async () => {
    tmp = await scratch();
    ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    serving = await ca.issue({
      commonName: 'kube-apiserver',
      dnsNames: ['localhost'],
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
    });
    client = await ca.issue({
      commonName: 'kubernetes-admin',
      organizations: ['system:masters'],
      usages: ['client'],
    });
    mtlsServer = await startTlsServer({
      certificatePem: serving.certificatePem,
      keyPem: serving.privateKeyPem,
      clientCaPem: ca.certificatePem,
      handler: (req: IncomingMessage, res: ServerResponse) => {
        const subject = (req.socket as TLSSocket).getPeerCertificate().subject;
        seen.push({ cn: subject.CN, o: subject.O });
        if (req.url === '/version') answerVersion(res);
        else res.writeHead(404).end();
      },
    });
    tokenServer = await startTlsServer({
      certificatePem: serving.certificatePem,
      keyPem: serving.privateKeyPem,
      handler: (req, res) => {
        if (req.headers.authorization !== 'Bearer t0ken.for-kubectl') res.writeHead(401).end();
        else if (req.url === '/version') answerVersion(res);
        else res.writeHead(404).end();
      },
    });
  });
  after(async () => {
    await mtlsServer.close();
    await tokenServer.close();
    await tmp.dispose();
  });

  const options = (overrides: Partial<BuildKubeconfigOptions> = {}): BuildKubeconfigOptions => ({
    clusterName: 'capi-quickstart',
    server: 'https://10.0.0.1:6443',
    caCertificatePem: ca.certificatePem,
    credentials: { clientCertificatePem: client.certificatePem, clientKeyPem: client.privateKeyPem },
    ...overrides,
  });

  it('names entries as Cluster API names the <cluster>-kubeconfig Secret', () => {
    assert.deepEqual(kubeconfigNames('capi-quickstart'), {
      cluster: 'capi-quickstart',
      user: 'capi-quickstart-admin',
      context: 'capi-quickstart-admin@capi-quickstart',
    });
    assert.deepEqual(buildKubeconfig(options()), {
      apiVersion: 'v1',
      clusters: [
        {
          name: 'capi-quickstart',
          cluster: { server: 'https://10.0.0.1:6443', 'certificate-authority-data': b64(ca.certificatePem) },
        },
      ],
      contexts: [
        {
          name: 'capi-quickstart-admin@capi-quickstart',
          context: { cluster: 'capi-quickstart', user: 'capi-quickstart-admin' },
        },
      ],
      'current-context': 'capi-quickstart-admin@capi-quickstart',
      kind: 'Config',
      preferences: {},
      users: [
        {
          name: 'capi-quickstart-admin',
          user: {
            'client-certificate-data': b64(client.certificatePem),
            'client-key-data': b64(client.privateKeyPem),
          },
        },
      ],
    });
  });

  it('takes a token instead of a certificate, and a namespace and names of the caller’s choosing', () => {
    const kubeconfig = buildKubeconfig(
      options({ credentials: { token: 'abc.def' }, userName: 'robot', contextName: 'ctx', namespace: 'ns1' }),
    );
    assert.deepEqual(kubeconfig.users, [{ name: 'robot', user: { token: 'abc.def' } }]);
    assert.deepEqual(kubeconfig.contexts, [
      { name: 'ctx', context: { cluster: 'capi-quickstart', user: 'robot', namespace: 'ns1' } },
    ]);
    assert.equal(kubeconfig['current-context'], 'ctx');
  });

  it('refuses to build a kubeconfig that could not work, naming the field', async () => {
    const other = await ca.issue({ commonName: 'someone-else', usages: ['client'] });
    const cases: [Partial<BuildKubeconfigOptions>, string][] = [
      [{ clusterName: '' }, 'clusterName'],
      [{ server: 'not a url' }, 'server'],
      [{ server: 'ftp://10.0.0.1' }, 'server'],
      [{ caCertificatePem: 'garbage' }, 'caCertificatePem'],
      [
        { credentials: { clientCertificatePem: 'x', clientKeyPem: client.privateKeyPem } },
        'credentials.clientCertificatePem',
      ],
      [
        { credentials: { clientCertificatePem: client.certificatePem, clientKeyPem: 'x' } },
        'credentials.clientKeyPem',
      ],
      [
        { credentials: { clientCertificatePem: client.certificatePem, clientKeyPem: other.privateKeyPem } },
        'credentials.clientKeyPem',
      ],
      [{ credentials: { token: 'has space' } }, 'credentials.token'],
    ];
    for (const [overrides, field] of cases) {
      assert.throws(
        () => buildKubeconfig(options(overrides)),
        (err: unknown) => err instanceof InvalidKubeconfigError && err.field === field,
        field,
      );
    }
  });

  it('round-trips through YAML, with each base64 value on one line', () => {
    const kubeconfig = buildKubeconfig(options({ namespace: 'kube-system' }));
    const yaml = stringifyKubeconfig(kubeconfig);
    assert.match(yaml, /^apiVersion: v1\nclusters:\n/);
    assert.match(yaml, new RegExp(`certificate-authority-data: ${b64(ca.certificatePem)}\n`));
    assert.match(yaml, /^current-context: capi-quickstart-admin@capi-quickstart$/m);
    assert.deepEqual(parseKubeconfig(yaml), kubeconfig);
  });

  it('refuses kubeconfig text it cannot use', () => {
    const cases: [string, string][] = [
      ['- a list', '(document)'],
      ['kind: Pod', 'kind'],
      ['clusters: {}', 'clusters'],
      ['users:\n- user: {}', 'users[0].name'],
      ['contexts:\n- name: x\n  context: 3', 'contexts[0].context'],
      ['{ unclosed', '(document)'],
    ];
    for (const [text, field] of cases) {
      assert.throws(
        () => parseKubeconfig(text),
        (err: unknown) => err instanceof InvalidKubeconfigError && err.field === field,
        field,
      );
    }
  });

  it('resolves the current context to a server and decoded credentials', () => {
    const resolved = resolveKubeconfig(parseKubeconfig(stringifyKubeconfig(buildKubeconfig(options()))));
    assert.deepEqual(resolved, {
      contextName: 'capi-quickstart-admin@capi-quickstart',
      clusterName: 'capi-quickstart',
      userName: 'capi-quickstart-admin',
      server: 'https://10.0.0.1:6443',
      namespace: 'default',
      caCertificatePem: ca.certificatePem,
      clientCertificatePem: client.certificatePem,
      clientKeyPem: client.privateKeyPem,
      token: undefined,
      tlsServerName: undefined,
      insecureSkipTlsVerify: false,
    });
    assert.throws(() => resolveKubeconfig(buildKubeconfig(options()), 'nope'), /no context named "nope"/);
  });

  it('writes files kubectl reads and nobody else can (0600)', async () => {
    const file = `${tmp.dir}/written.kubeconfig`;
    const kubeconfig = buildKubeconfig(options({ namespace: 'team-a' }));
    await writeKubeconfigFile(file, kubeconfig);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.deepEqual(await readKubeconfigFile(file), kubeconfig);
    const view = await run('kubectl', [
      '--kubeconfig',
      file,
      'config',
      'view',
      '--raw',
      '--minify',
      '-o',
      'json',
    ]);
    assert.equal(view.code, 0, view.stderr);
    const viewed = JSON.parse(view.stdout) as {
      contexts: { context: { namespace?: string } }[];
      users: { user: Record<string, string> }[];
    };
    assert.equal(viewed.contexts[0]?.context.namespace, 'team-a');
    assert.equal(viewed.users[0]?.user['client-key-data'], b64(client.privateKeyPem));
  });

  it('lets kubectl in with the admin client certificate it issues', async () => {
    const kubeconfig = await createAdminKubeconfig({ ca, clusterName: 'mgmt', server: mtlsServer.url });
    assert.equal(kubeconfig['current-context'], 'mgmt-admin@mgmt');
    const file = `${tmp.dir}/admin.kubeconfig`;
    await writeKubeconfigFile(file, kubeconfig);
    seen.length = 0;
    const result = await kubectlGetVersion(file, `${tmp.dir}/cache-admin`);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), VERSION_BODY);
    assert.ok(seen.length > 0);
    for (const subject of seen) assert.deepEqual(subject, { cn: 'kubernetes-admin', o: 'system:masters' });
  });

  it('lets kubectl in with a bearer token, and not with a wrong one', async () => {
    const write = async (token: string): Promise<string> => {
      const file = `${tmp.dir}/token-${token.length}.kubeconfig`;
      await writeKubeconfigFile(
        file,
        buildKubeconfig(options({ server: tokenServer.url, credentials: { token } })),
      );
      return file;
    };
    const ok = await kubectlGetVersion(await write('t0ken.for-kubectl'), `${tmp.dir}/cache-token`);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), VERSION_BODY);
    const denied = await kubectlGetVersion(await write('wrong'), `${tmp.dir}/cache-token`);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /must be logged in|Unauthorized/);
  });

  it('works for kubectl under a CA made by openssl (Go links certificates by raw name bytes)', async () => {
    const made = await openssl([
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -days 1'.split(' '),
      ...['-subj', '/O=Example Org/CN=external-ca'],
      ...['-keyout', `${tmp.dir}/ext.key`, '-out', `${tmp.dir}/ext.crt`],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const external = CertificateAuthority.fromPem({
      certificatePem: await readFile(`${tmp.dir}/ext.crt`, 'utf8'),
      privateKeyPem: await readFile(`${tmp.dir}/ext.key`, 'utf8'),
    });
    const leaf = await external.issue({
      commonName: 'apiserver',
      ipAddresses: ['127.0.0.1'],
      usages: ['server'],
      keyAlgorithm: 'ECDSA-P256',
    });
    const server = await startTlsServer({
      certificatePem: leaf.certificatePem,
      keyPem: leaf.privateKeyPem,
      handler: (_req, res) => answerVersion(res),
    });
    try {
      const file = `${tmp.dir}/external.kubeconfig`;
      await writeKubeconfigFile(
        file,
        buildKubeconfig(
          options({
            server: server.url,
            caCertificatePem: external.certificatePem,
            credentials: { token: 'x' },
          }),
        ),
      );
      const result = await kubectlGetVersion(file, `${tmp.dir}/cache-external`);
      assert.equal(result.code, 0, result.stderr);
    } finally {
      await server.close();
    }
  });
});
