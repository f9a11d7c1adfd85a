import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import {
  CA_CERTIFICATE_VALIDITY_MS,
  CERTIFICATE_BACKDATE_MS,
  CERTIFICATE_VALIDITY_MS,
  CertificateAuthority,
} from './certificate-authority.js';
import { inspectCertificate } from './certificate-info.js';
import { keyMatchesCertificate } from './certificate-checks.js';
import { KEY_ALGORITHMS } from './key-algorithm.js';
import { KeyPair } from './key-pair.js';
import { buildKubeconfig } from './kubeconfig.js';
import { writeKubeconfigFile } from './kubeconfig-file.js';
import {
  InvalidCertificateRequestError,
  InvalidPemError,
  KeyMismatchError,
  NotCertificateAuthorityError,
} from './pki-errors.js';
import {
  kubectlGetVersion,
  openssl,
  type Scratch,
  scratch,
  startTlsServer,
  timed,
  VERSION_BODY,
} from './test-helpers.js';

let tmp: Scratch;
before(async () => {
  tmp = await scratch();
});
after(async () => {
  await tmp.dispose();
});

async function x509Text(pem: string): Promise<string> {
  const result = await openssl(['x509', '-noout', '-text', '-in', await tmp.write('cert.pem', pem)]);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

async function verify(caPem: string, leafPem: string, purpose: 'sslserver' | 'sslclient'): Promise<string> {
  const ca = await tmp.write(`verify-ca-${purpose}.pem`, caPem);
  const leaf = await tmp.write(`verify-leaf-${purpose}.pem`, leafPem);
  const result = await openssl(['verify', '-CAfile', ca, '-purpose', purpose, leaf]);
  return `${result.stdout}${result.stderr}`.trim();
}

/** Echoes the verified client certificate's subject, and answers /version like kube-apiserver. */
function apiHandler(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket as TLSSocket;
  if (!socket.authorized) {
    res.writeHead(401).end();
    return;
  }
  const subject = socket.getPeerCertificate().subject;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(req.url === '/version' ? VERSION_BODY : subject));
}

function getJson(
  url: string,
  tls: { ca: string; cert?: string; key?: string },
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...tls, method: 'GET' }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

describe('CertificateAuthority, for every kubeadm encryption algorithm', () => {
  for (const algorithm of KEY_ALGORITHMS) {
    it(`${algorithm}: a CA, a serving and a client certificate that openssl, node TLS and kubectl accept`, async (t) => {
      const keygen = await timed(() => KeyPair.generate(algorithm));
      const ca = await timed(() => CertificateAuthority.create({ keyPair: keygen.value }));
      const server = await timed(() =>
        ca.value.issue({
          commonName: 'kube-apiserver',
          dnsNames: ['localhost', 'kubernetes', 'kubernetes.default.svc'],
          ipAddresses: ['127.0.0.1', '::1'],
          usages: ['server'],
        }),
      );
      // The client certificate certifies the same key (X.509 allows it), so the slow RSA keys are
      // generated twice per algorithm, not three times, and this issue times signing alone.
      const client = await timed(() =>
        ca.value.issue({
          commonName: 'kubernetes-admin',
          organizations: ['system:masters', 'capi:e2e'],
          usages: ['client'],
          keyPair: server.value.keyPair,
        }),
      );
      t.diagnostic(
        `${algorithm}: CA keygen ${keygen.ms} ms, self-sign CA ${ca.ms} ms, ` +
          `issue server (keygen + sign) ${server.ms} ms, issue client (sign only) ${client.ms} ms`,
      );
      const caPem = ca.value.certificatePem;
      const rsa = algorithm.startsWith('RSA');

      // openssl is the first judge: chain and purpose.
      assert.match(await verify(caPem, server.value.certificatePem, 'sslserver'), /: OK$/);
      assert.match(await verify(caPem, client.value.certificatePem, 'sslclient'), /: OK$/);
      assert.match(
        await verify(caPem, server.value.certificatePem, 'sslclient'),
        /unsuitable certificate purpose/,
      );

      const caText = await x509Text(caPem);
      assert.match(caText, /Basic Constraints: critical\s+CA:TRUE\n/);
      assert.match(caText, /Key Usage: critical\s+Digital Signature, Key Encipherment, Certificate Sign\n/);
      assert.match(caText, /Subject: CN = kubernetes\n/);
      assert.match(caText, /Subject Alternative Name:\s+DNS:kubernetes\n/);
      const signature = { 'ECDSA-P256': 'ecdsa-with-SHA256', 'ECDSA-P384': 'ecdsa-with-SHA384' }[
        algorithm as string
      ];
      assert.match(caText, new RegExp(`Signature Algorithm: ${signature ?? 'sha256WithRSAEncryption'}\n`));
      const caKeyId = /Subject Key Identifier:\s+([0-9A-F:]+)\n/.exec(caText)?.[1];
      assert.ok(caKeyId);

      const serverText = await x509Text(server.value.certificatePem);
      assert.match(serverText, /Basic Constraints: critical\s+CA:FALSE\n/);
      assert.match(
        serverText,
        rsa
          ? /Key Usage: critical\s+Digital Signature, Key Encipherment\n/
          : /Key Usage: critical\s+Digital Signature\n/,
      );
      assert.match(serverText, /Extended Key Usage:\s+TLS Web Server Authentication\n/);
      assert.match(
        serverText,
        /Subject Alternative Name:\s+DNS:localhost, DNS:kubernetes, DNS:kubernetes.default.svc, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1\n/,
      );
      assert.match(serverText, new RegExp(`Authority Key Identifier:\\s+(keyid:)?${caKeyId}\\n`));
      const clientText = await x509Text(client.value.certificatePem);
      assert.match(clientText, /Subject: O = system:masters, O = capi:e2e, CN = kubernetes-admin\n/);
      assert.match(clientText, /Extended Key Usage:\s+TLS Web Client Authentication\n/);

      // Leaf keys come in the CA's algorithm and kubeadm's PEM form.
      assert.equal(server.value.keyPair.algorithm, algorithm);
      assert.match(
        client.value.privateKeyPem,
        rsa ? /^-----BEGIN RSA PRIVATE KEY-----/ : /^-----BEGIN EC PRIVATE KEY-----/,
      );
      const pkey = await openssl([
        'pkey',
        '-noout',
        '-text',
        '-in',
        await tmp.write('leaf.key', client.value.privateKeyPem),
      ]);
      assert.equal(pkey.code, 0, pkey.stderr);
      const bits = { 'ECDSA-P256': 'NIST CURVE: P-256', 'ECDSA-P384': 'NIST CURVE: P-384' }[
        algorithm as string
      ];
      assert.ok(
        pkey.stdout.includes(bits ?? `Private-Key: (${algorithm.slice(4)} bit, 2 primes)`),
        pkey.stdout,
      );

      // Node's TLS stack, both ways: the server proves itself to the CA, the client presents its certificate.
      const tls = await startTlsServer({
        certificatePem: server.value.certificatePem,
        keyPem: server.value.privateKeyPem,
        clientCaPem: caPem,
        handler: apiHandler,
      });
      try {
        const whoami = await getJson(`${tls.url}/whoami`, {
          ca: caPem,
          cert: client.value.certificatePem,
          key: client.value.privateKeyPem,
        });
        assert.equal(whoami.status, 200);
        assert.deepEqual(whoami.body, { O: ['system:masters', 'capi:e2e'], CN: 'kubernetes-admin' });

        // Go's TLS stack (kubectl) is the strict judge of SANs, key usages and key encodings.
        const kubeconfig = buildKubeconfig({
          clusterName: 'pki-test',
          server: tls.url,
          caCertificatePem: caPem,
          credentials: {
            clientCertificatePem: client.value.certificatePem,
            clientKeyPem: client.value.privateKeyPem,
          },
        });
        const file = `${tmp.dir}/${algorithm}.kubeconfig`;
        await writeKubeconfigFile(file, kubeconfig);
        const kubectl = await kubectlGetVersion(file, `${tmp.dir}/cache-${algorithm}`);
        assert.equal(kubectl.code, 0, kubectl.stderr);
        assert.deepEqual(JSON.parse(kubectl.stdout), VERSION_BODY);
      } finally {
        await tls.close();
      }
    });
  }
});

describe('CertificateAuthority', () => {
  let ca: CertificateAuthority;
  before(async () => {
    ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
  });

  it('makes RSA-2048 CAs named kubernetes, valid ten years from five minutes ago, by default', async () => {
    const now = new Date('2030-06-01T12:00:00Z');
    const rsa = await CertificateAuthority.create({ now });
    const info = inspectCertificate(rsa.certificatePem);
    assert.equal(rsa.keyPair.algorithm, 'RSA-2048');
    assert.equal(info.commonName, 'kubernetes');
    assert.equal(info.isCA, true);
    assert.deepEqual(info.dnsNames, ['kubernetes']);
    assert.equal(info.notBefore.getTime(), now.getTime() - CERTIFICATE_BACKDATE_MS);
    assert.equal(info.notAfter.getTime(), now.getTime() + CA_CERTIFICATE_VALIDITY_MS);
    assert.equal(info.notAfter.toISOString(), '2040-05-29T12:00:00.000Z');
    // A leaf defaults to the CA's algorithm and one year.
    const leaf = await rsa.issue({ commonName: 'etcd', usages: ['server', 'client'], now });
    const leafInfo = inspectCertificate(leaf.certificatePem);
    assert.equal(leaf.keyPair.algorithm, 'RSA-2048');
    assert.equal(leafInfo.notBefore.getTime(), now.getTime() - CERTIFICATE_BACKDATE_MS);
    assert.equal(leafInfo.notAfter.getTime(), now.getTime() + CERTIFICATE_VALIDITY_MS);
    assert.deepEqual(leafInfo.usages, ['server', 'client']);
  });

  it('names other CAs as asked and gives every certificate a fresh random serial', async () => {
    const etcd = await CertificateAuthority.create({ commonName: 'etcd-ca', keyAlgorithm: 'ECDSA-P256' });
    assert.equal(inspectCertificate(etcd.certificatePem).commonName, 'etcd-ca');
    const serials = new Set([ca, etcd].map((c) => inspectCertificate(c.certificatePem).serialNumber));
    for (let i = 0; i < 3; i++) {
      const leaf = await ca.issue({ commonName: 'x', usages: ['client'] });
      serials.add(inspectCertificate(leaf.certificatePem).serialNumber);
    }
    assert.equal(serials.size, 5);
    for (const serial of serials) assert.match(serial, /^[4-7][0-9A-F]{31}$/);
  });

  it('issues leaves with another algorithm than its own when asked', async () => {
    const leaf = await ca.issue({
      commonName: 'front-proxy-client',
      usages: ['client'],
      keyAlgorithm: 'ECDSA-P384',
    });
    assert.equal(leaf.keyPair.algorithm, 'ECDSA-P384');
    assert.match(await verify(ca.certificatePem, leaf.certificatePem, 'sslclient'), /: OK$/);
  });

  it('signs a public key it did not generate, for CSR-like flows', async () => {
    const made = await openssl(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048']);
    const keyFile = await tmp.write('external.key', made.stdout);
    const publicKeyPem = (await openssl(['pkey', '-pubout', '-in', keyFile])).stdout;
    const signed = await ca.sign({
      commonName: 'system:node:worker-0',
      organizations: ['system:nodes'],
      usages: ['client'],
      publicKey: publicKeyPem,
    });
    assert.match(await verify(ca.certificatePem, signed.certificatePem, 'sslclient'), /: OK$/);
    assert.equal(keyMatchesCertificate(made.stdout, signed.certificatePem), true);
    // An RSA subject key gets keyEncipherment even under an ECDSA CA.
    assert.match(
      await x509Text(signed.certificatePem),
      /Key Usage: critical\s+Digital Signature, Key Encipherment\n/,
    );
    await assert.rejects(
      ca.sign({ commonName: 'x', usages: ['client'], publicKey: 'garbage' }),
      InvalidPemError,
    );
  });

  it('deduplicates SANs and writes IPv6 addresses canonically', async () => {
    const leaf = await ca.issue({
      commonName: 'apiserver',
      dnsNames: ['a.example', 'a.example', '*.apps.example'],
      ipAddresses: ['10.96.0.1', '0:0:0:0:0:0:0:1', '::1', 'fd00:0::10'],
      usages: ['server'],
    });
    const info = inspectCertificate(leaf.certificatePem);
    assert.deepEqual(info.dnsNames, ['a.example', '*.apps.example']);
    assert.deepEqual(info.ipAddresses, ['10.96.0.1', '::1', 'fd00::10']);
  });

  it('refuses requests kubeadm would refuse, naming the field, before generating a key', async () => {
    const cases: [Parameters<CertificateAuthority['issue']>[0], string][] = [
      [{ commonName: '', usages: ['client'] }, 'commonName'],
      [{ commonName: 'x', usages: [] }, 'usages'],
      [{ commonName: 'x', usages: ['client'], dnsNames: ['ok.example', 'not a name'] }, 'dnsNames[1]'],
      [{ commonName: 'x', usages: ['client'], ipAddresses: ['300.1.1.1'] }, 'ipAddresses[0]'],
      [{ commonName: 'x', usages: ['client'], ipAddresses: ['fe80::1%eth0'] }, 'ipAddresses[0]'],
      [{ commonName: 'x', usages: ['client'], organizations: [''] }, 'organizations[0]'],
      [{ commonName: 'x', usages: ['client'], validityMs: 0 }, 'validityMs'],
    ];
    for (const [options, field] of cases) {
      await assert.rejects(
        ca.issue({ ...options, keyAlgorithm: 'RSA-4096' }),
        (err: unknown) => err instanceof InvalidCertificateRequestError && err.field === field,
        field,
      );
    }
  });

  it('loads a CA back from PEM, in any key form, and keeps issuing under it', async () => {
    const pkcs8 = ca.keyPair.exportPrivateKeyPem('pkcs8');
    const loaded = CertificateAuthority.fromPem({ certificatePem: ca.certificatePem, privateKeyPem: pkcs8 });
    assert.equal(loaded.certificatePem, ca.certificatePem);
    assert.equal(loaded.privateKeyPem, ca.privateKeyPem);
    const leaf = await loaded.issue({ commonName: 'x', usages: ['server'], dnsNames: ['x.example'] });
    assert.match(await verify(ca.certificatePem, leaf.certificatePem, 'sslserver'), /: OK$/);
  });

  it('issues under a CA made by openssl, whose names are UTF8Strings', async () => {
    const made = await openssl([
      ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1'.split(' '),
      ...['-subj', '/O=Example Org/CN=external-ca'],
      ...['-keyout', `${tmp.dir}/ext-ca.key`, '-out', `${tmp.dir}/ext-ca.crt`],
    ]);
    assert.equal(made.code, 0, made.stderr);
    const external = CertificateAuthority.fromPem({
      certificatePem: await readFile(`${tmp.dir}/ext-ca.crt`, 'utf8'),
      privateKeyPem: await readFile(`${tmp.dir}/ext-ca.key`, 'utf8'),
    });
    const leaf = await external.issue({ commonName: 'x', usages: ['server'], ipAddresses: ['127.0.0.1'] });
    assert.match(await verify(external.certificatePem, leaf.certificatePem, 'sslserver'), /: OK$/);
    // Byte-for-byte issuer = CA subject, which Go's chain building needs: compare the DER via openssl.
    const rawName = async (field: 'issuer' | 'subject', pem: string): Promise<string> => {
      const file = await tmp.write(`${field}.pem`, pem);
      const printed = await openssl([
        'x509',
        '-noout',
        `-${field}`,
        '-nameopt',
        'RFC2253,dump_all,dump_der',
        '-in',
        file,
      ]);
      return printed.stdout.replace(/^\w+=/, '');
    };
    assert.equal(
      await rawName('issuer', leaf.certificatePem),
      await rawName('subject', external.certificatePem),
    );
    assert.match(await rawName('subject', external.certificatePem), /^CN=#0C/); // UTF8String, not PrintableString
  });

  it('refuses a key that is not the CA certificate’s, and a certificate that is not a CA', async () => {
    const other = await KeyPair.generate('ECDSA-P256');
    assert.throws(
      () =>
        CertificateAuthority.fromPem({
          certificatePem: ca.certificatePem,
          privateKeyPem: other.privateKeyPem,
        }),
      KeyMismatchError,
    );
    const leaf = await ca.issue({ commonName: 'leaf', usages: ['client'] });
    assert.throws(
      () =>
        CertificateAuthority.fromPem({
          certificatePem: leaf.certificatePem,
          privateKeyPem: leaf.privateKeyPem,
        }),
      NotCertificateAuthorityError,
    );
    assert.throws(
      () => CertificateAuthority.fromPem({ certificatePem: 'nope', privateKeyPem: ca.privateKeyPem }),
      InvalidPemError,
    );
  });

  it('is refused by a TLS server that trusts another CA', async () => {
    const other = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    const server = await ca.issue({ commonName: 'srv', ipAddresses: ['127.0.0.1'], usages: ['server'] });
    const stranger = await other.issue({
      commonName: 'mallory',
      organizations: ['system:masters'],
      usages: ['client'],
    });
    const tls = await startTlsServer({
      certificatePem: server.certificatePem,
      keyPem: server.privateKeyPem,
      clientCaPem: ca.certificatePem,
      handler: apiHandler,
    });
    try {
      await assert.rejects(
        getJson(`${tls.url}/whoami`, {
          ca: ca.certificatePem,
          cert: stranger.certificatePem,
          key: stranger.privateKeyPem,
        }),
        /certificate|alert|socket hang up|ECONNRESET/i,
      );
      // And a client that trusts the other CA refuses our server.
      await assert.rejects(
        getJson(`${tls.url}/whoami`, { ca: other.certificatePem }),
        /self-signed|unable to verify|certificate/i,
      );
    } finally {
      await tls.close();
    }
  });
});
