import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { ConflictError, isNotFound } from '../../../controller-runtime/client/errors.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { updateClusterConfiguration, updateKubeadmConfigMap } from './kubeadm-config-map.js';
import { kcp, kubeadmConfigMap } from './test-helpers.js';
import { isKubeadmConfigMapError } from './workload-errors.js';

/** Parsed YAML, walked in assertions. */
type Tree = { [key: string]: Tree | undefined };

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const KEY = { namespace: 'kube-system', name: 'kubeadm-config' };

function clusterConfiguration(fake: FakeClient): Tree {
  const cm = fake.peek<KubeObject & { data: Record<string, string> }>(CONFIG_MAP, KEY)!;
  return parse(cm.data.ClusterConfiguration!) as Tree;
}

describe('updateKubeadmConfigMap', () => {
  it('writes the target version and the KCP settings in the kubeadm API of that version, once', async () => {
    const fake = new FakeClient();
    fake.seed(kubeadmConfigMap('v1.30.5'));
    const cp = kcp('v1.31.1', {
      clusterConfiguration: {
        apiServer: { extraArgs: [{ name: 'audit-log-maxage', value: '30' }], certSANs: ['api.example.com'] },
        featureGates: { EtcdLearnerMode: true },
        etcd: { local: { imageTag: '3.5.16-0' } },
      },
    });
    assert.deepEqual(await updateKubeadmConfigMap(fake, cp), { changed: true });
    const cc = clusterConfiguration(fake);
    assert.equal(cc.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(cc.kubernetesVersion, 'v1.31.1');
    assert.deepEqual(cc.apiServer, {
      extraArgs: [{ name: 'audit-log-maxage', value: '30' }],
      certSANs: ['api.example.com'],
    });
    // KCP defaults ControlPlaneKubeletLocalMode for 1.31 to 1.35, as for new Machines.
    assert.deepEqual(cc.featureGates, { EtcdLearnerMode: true, ControlPlaneKubeletLocalMode: true });
    assert.deepEqual(cc.etcd, { local: { imageTag: '3.5.16-0' } });
    assert.equal(cc.clusterName, 'c1');
    assert.deepEqual(cc.networking, { dnsDomain: 'cluster.local', serviceSubnet: '10.96.0.0/12' });

    fake.clearRequests();
    assert.deepEqual(await updateKubeadmConfigMap(fake, cp), { changed: false });
    assert.deepEqual(fake.writes(), [], 'nothing to change, nothing written');
  });

  it('changes only the version when the KCP has no clusterConfiguration', async () => {
    const fake = new FakeClient();
    fake.seed(kubeadmConfigMap('v1.33.0'));
    const before = clusterConfiguration(fake);
    await updateKubeadmConfigMap(fake, kcp('v1.34.0'));
    assert.deepEqual(clusterConfiguration(fake), { ...before, kubernetesVersion: 'v1.34.0' });
  });

  it('reads again and retries when another writer changed the ConfigMap in between', async () => {
    const fake = new FakeClient();
    fake.seed(kubeadmConfigMap('v1.33.0'));
    let raced = false;
    fake.addReactor((req) => {
      if (req.verb === 'update' && !raced) {
        raced = true;
        throw new ConflictError({ code: 409, reason: 'Conflict', message: 'the object has been modified' });
      }
    });
    assert.deepEqual(await updateClusterConfiguration(fake, 'v1.34.0'), { changed: true });
    assert.equal(fake.requestsOf('update').length, 2);
    assert.equal(clusterConfiguration(fake).kubernetesVersion, 'v1.34.0');
  });

  it('fails with typed errors: no ConfigMap, no ClusterConfiguration key, a version kubeadm does not serve', async () => {
    const fake = new FakeClient();
    await assert.rejects(updateClusterConfiguration(fake, 'v1.34.0'), isNotFound);
    fake.seed({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { ...KEY }, data: {} });
    await assert.rejects(
      updateClusterConfiguration(fake, 'v1.34.0'),
      (err: unknown) => isKubeadmConfigMapError(err) && err.problem === 'MissingClusterConfiguration',
    );
    await assert.rejects(
      updateClusterConfiguration(fake, 'v1.21.0'),
      (err: unknown) => isKubeadmConfigMapError(err) && err.problem === 'UnsupportedKubernetesVersion',
    );
  });
});
