import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import {
  ClusterConfigurationDocument,
  kubeadmAPIVersionFor,
  KubeadmAPIVersion,
} from './cluster-configuration-document.js';
import { isKubeadmConfigMapError } from './workload-errors.js';

/** Parsed YAML, walked in assertions. */
type Tree = { [key: string]: Tree | undefined };

const semver = (major: number, minor: number, pre: string[] = []) => ({
  major,
  minor,
  patch: 0,
  pre,
  build: [],
});

/** What kubeadm 1.30 uploads (v1beta3), with fields Cluster API does not model. */
const V1BETA3 = stringify({
  apiVersion: 'kubeadm.k8s.io/v1beta3',
  kind: 'ClusterConfiguration',
  clusterName: 'c1',
  kubernetesVersion: 'v1.30.5',
  controlPlaneEndpoint: '10.0.0.1:6443',
  imageRepository: 'registry.k8s.io',
  apiServer: {
    timeoutForControlPlane: '4m0s',
    extraArgs: { profiling: 'false', 'audit-log-maxage': '30', 'anonymous-auth': true },
    certSANs: ['api.example.com'],
  },
  controllerManager: { extraArgs: { 'bind-address': '0.0.0.0' } },
  scheduler: {},
  etcd: { local: { dataDir: '/var/lib/etcd', extraArgs: { 'quota-backend-bytes': '8589934592' } } },
  networking: { dnsDomain: 'cluster.local', serviceSubnet: '10.96.0.0/12' },
  dns: {},
  futureField: { kept: true },
});

describe('ClusterConfigurationDocument', () => {
  it('maps Kubernetes versions to kubeadm API versions as upstream does', () => {
    assert.equal(kubeadmAPIVersionFor(semver(1, 30)), KubeadmAPIVersion.V1Beta3);
    assert.equal(kubeadmAPIVersionFor(semver(1, 31, ['rc', '1'])), KubeadmAPIVersion.V1Beta4);
    assert.equal(kubeadmAPIVersionFor(semver(1, 40)), KubeadmAPIVersion.V1Beta4);
    assert.throws(() => kubeadmAPIVersionFor(semver(1, 21)), isKubeadmConfigMapError);
  });

  it('converts v1beta3 to v1beta4: extraArgs become sorted lists, timeoutForControlPlane goes, the rest stays', () => {
    const doc = ClusterConfigurationDocument.parse(V1BETA3);
    assert.equal(doc.changed, false);
    doc.convertTo(KubeadmAPIVersion.V1Beta4);
    const out = parse(doc.toYAML()) as Tree;
    assert.equal(out.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.deepEqual(out.apiServer, {
      extraArgs: [
        { name: 'anonymous-auth', value: 'true' },
        { name: 'audit-log-maxage', value: '30' },
        { name: 'profiling', value: 'false' },
      ],
      certSANs: ['api.example.com'],
    });
    assert.deepEqual(out.etcd?.local?.extraArgs, [{ name: 'quota-backend-bytes', value: '8589934592' }]);
    assert.deepEqual(out.futureField, { kept: true });
    assert.equal(out.clusterName, 'c1');
    assert.deepEqual(out.networking, { dnsDomain: 'cluster.local', serviceSubnet: '10.96.0.0/12' });
    assert.equal(doc.changed, true);
  });

  it('converts v1beta4 back to v1beta3: the last value of a repeated flag wins, v1beta4-only fields go', () => {
    const doc = ClusterConfigurationDocument.parse(
      stringify({
        apiVersion: 'kubeadm.k8s.io/v1beta4',
        kind: 'ClusterConfiguration',
        apiServer: {
          extraArgs: [
            { name: 'v', value: '2' },
            { name: 'v', value: '4' },
          ],
          extraEnvs: [{ name: 'A', value: 'b' }],
        },
        encryptionAlgorithm: 'ECDSA-P256',
        certificateValidityPeriod: '8760h0m0s',
        caCertificateValidityPeriod: '87600h0m0s',
        proxy: {},
        dns: { disabled: false },
      }),
    );
    doc.convertTo(KubeadmAPIVersion.V1Beta3);
    assert.deepEqual(doc.fields, {
      apiVersion: 'kubeadm.k8s.io/v1beta3',
      kind: 'ClusterConfiguration',
      apiServer: { extraArgs: { v: '4' } },
      dns: {},
    });
  });

  it("replaces what Cluster API models with the KCP's values and writes them in the document's shape", () => {
    const doc = ClusterConfigurationDocument.parse(V1BETA3);
    doc.convertTo(KubeadmAPIVersion.V1Beta4);
    doc.setKubernetesVersion({ major: 1, minor: 31, patch: 2, pre: [], build: [] });
    doc.setImageRepository(undefined);
    doc.setFeatureGates({ ControlPlaneKubeletLocalMode: true });
    doc.setControlPlaneComponent('apiServer', {
      extraArgs: [{ name: 'profiling', value: 'true' }],
      extraEnvs: [{ name: 'GOGC', value: '50' }],
      extraVolumes: [{ name: 'audit', hostPath: '/var/log/audit', mountPath: '/audit', readOnly: false }],
    });
    doc.setControlPlaneComponent('controllerManager', undefined);
    doc.setCertificateValidityPeriodDays(365);
    doc.setEncryptionAlgorithm('RSA-3072');
    doc.setLocalEtcd({ imageTag: '3.5.16-0' });
    const out = doc.fields as Tree;
    assert.equal(out.kubernetesVersion, 'v1.31.2');
    assert.equal(out.imageRepository, 'registry.k8s.io', 'an unset repository leaves the document alone');
    assert.deepEqual(out.featureGates, { ControlPlaneKubeletLocalMode: true });
    assert.deepEqual(out.apiServer, {
      extraArgs: [{ name: 'profiling', value: 'true' }],
      extraEnvs: [{ name: 'GOGC', value: '50' }],
      extraVolumes: [{ name: 'audit', hostPath: '/var/log/audit', mountPath: '/audit' }],
    });
    assert.deepEqual(out.controllerManager, {});
    assert.equal(out.certificateValidityPeriod, '8760h0m0s');
    assert.equal(out.encryptionAlgorithm, 'RSA-3072');
    assert.deepEqual(out.etcd, { local: { imageTag: '3.5.16-0' } });
  });

  it('keeps v1beta3 free of v1beta4-only fields and keeps its timeoutForControlPlane', () => {
    const doc = ClusterConfigurationDocument.parse(V1BETA3);
    doc.setControlPlaneComponent('apiServer', {
      extraArgs: [{ name: 'profiling', value: 'false' }],
      extraEnvs: [{ name: 'GOGC', value: '50' }],
    });
    doc.setCertificateValidityPeriodDays(365);
    doc.setEncryptionAlgorithm('RSA-3072');
    const out = doc.fields as Tree;
    assert.deepEqual(out.apiServer, { timeoutForControlPlane: '4m0s', extraArgs: { profiling: 'false' } });
    assert.equal(out.certificateValidityPeriod, undefined);
    assert.equal(out.encryptionAlgorithm, undefined);
  });

  it('switches etcd wholesale between local and external, and keeps an equal duration as written', () => {
    const doc = ClusterConfigurationDocument.parse(
      stringify({
        apiVersion: 'kubeadm.k8s.io/v1beta4',
        kind: 'ClusterConfiguration',
        certificateValidityPeriod: '8760h',
        etcd: { local: { dataDir: '/var/lib/etcd' } },
      }),
    );
    doc.setCertificateValidityPeriodDays(365);
    doc.setExternalEtcd({ endpoints: ['https://e:2379'], caFile: 'ca', certFile: 'c', keyFile: 'k' });
    assert.deepEqual(doc.fields.etcd, {
      external: { endpoints: ['https://e:2379'], caFile: 'ca', certFile: 'c', keyFile: 'k' },
    });
    assert.equal(doc.fields.certificateValidityPeriod, '8760h');
    doc.setLocalEtcd(undefined);
    assert.deepEqual(doc.fields.etcd, {});
  });

  it('refuses what is not a ClusterConfiguration of a known kubeadm API version', () => {
    const problem = (text: string) => {
      try {
        ClusterConfigurationDocument.parse(text);
        return 'none';
      } catch (err) {
        assert.ok(isKubeadmConfigMapError(err));
        return err.problem;
      }
    };
    assert.equal(problem('a: [b'), 'InvalidClusterConfiguration');
    assert.equal(problem('- a'), 'InvalidClusterConfiguration');
    assert.equal(
      problem('apiVersion: kubeadm.k8s.io/v1beta4\nkind: InitConfiguration\n'),
      'InvalidClusterConfiguration',
    );
    assert.equal(
      problem('apiVersion: kubeadm.k8s.io/v1beta2\nkind: ClusterConfiguration\n'),
      'UnknownKubeadmAPIVersion',
    );
  });
});
