import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ObjectKey, TypeRef } from '../../controller-runtime/api/object.js';
import type { Reader } from '../../controller-runtime/client/client.js';
import { NotFoundError } from '../../controller-runtime/client/errors.js';
import {
  CertificateAuthority,
  createAdminKubeconfig,
  InvalidKubeconfigError,
  stringifyKubeconfig,
} from '../../pki/index.js';
import {
  KubeconfigSecretError,
  restConfigFromKubeconfigSecret,
  restConfigFromKubeconfigText,
} from './kubeconfig-secret.js';

/** A Reader holding a few Secrets. */
function secrets(objects: KubeObject[]): Reader {
  return {
    get<T extends KubeObject>(_type: TypeRef, key: ObjectKey): Promise<T> {
      const found = objects.find(
        (o) => o.metadata.namespace === key.namespace && o.metadata.name === key.name,
      );
      if (!found) return Promise.reject(new NotFoundError({ code: 404, reason: 'NotFound' }, 404));
      return Promise.resolve(found as T);
    },
    list: () => Promise.reject(new Error('not used')),
  };
}

const secret = (namespace: string, name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { namespace, name },
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
});

describe('kubeconfig Secret -> RestConfig', () => {
  it('reads <cluster>-kubeconfig in the Cluster namespace, key value: server, CA, client certificate', async () => {
    const ca = await CertificateAuthority.create({ keyAlgorithm: 'ECDSA-P256' });
    const kubeconfig = await createAdminKubeconfig({
      ca,
      clusterName: 'w1',
      server: 'https://10.0.0.1:6443',
    });
    const reader = secrets([
      secret('ns1', 'w1-kubeconfig', { value: stringifyKubeconfig(kubeconfig) }),
      secret('ns2', 'w1-kubeconfig', { value: 'not: [a kubeconfig' }),
    ]);
    const config = await restConfigFromKubeconfigSecret(reader, { namespace: 'ns1', name: 'w1' });
    assert.equal(config.server, 'https://10.0.0.1:6443');
    assert.equal(config.caPem, ca.certificatePem);
    assert.match(config.clientCertificatePem ?? '', /BEGIN CERTIFICATE/);
    assert.match(config.clientKeyPem ?? '', /PRIVATE KEY/);
    assert.equal(config.source, 'Secret ns1/w1-kubeconfig');

    await assert.rejects(
      restConfigFromKubeconfigSecret(reader, { namespace: 'ns2', name: 'w1' }),
      InvalidKubeconfigError,
    );
    await assert.rejects(
      restConfigFromKubeconfigSecret(reader, { namespace: 'ns3', name: 'w1' }),
      NotFoundError,
    );
  });

  it('refuses a Secret without value', async () => {
    const reader = secrets([secret('ns1', 'w1-kubeconfig', { other: 'x' })]);
    await assert.rejects(
      restConfigFromKubeconfigSecret(reader, { namespace: 'ns1', name: 'w1' }),
      (err: unknown) => err instanceof KubeconfigSecretError && /no "value" key/.test(err.message),
    );
  });

  it('takes tokens, tls-server-name and insecure-skip-tls-verify; refuses exec plugins', () => {
    const text = (user: string) => `apiVersion: v1
kind: Config
current-context: ctx
clusters:
- name: c
  cluster:
    server: https://lb.example:6443
    tls-server-name: kubernetes
    insecure-skip-tls-verify: true
contexts:
- name: ctx
  context: { cluster: c, user: u, namespace: kube-system }
users:
- name: u
  user: ${user}
`;
    const config = restConfigFromKubeconfigText(text('{ token: abc }'), 'test');
    assert.equal(config.token, 'abc');
    assert.equal(config.tlsServerName, 'kubernetes');
    assert.equal(config.insecureSkipTlsVerify, true);
    assert.equal(config.namespace, 'kube-system');
    assert.throws(
      () => restConfigFromKubeconfigText(text('{ exec: { command: aws } }'), 'test'),
      /exec plugins and auth providers are not supported/,
    );
  });
});
