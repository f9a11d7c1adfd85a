// The workload-cluster steps of a control plane upgrade (src/providers/control-plane-kubeadm/workload) against a
// real API server holding exactly what the in-memory backend's `kubeadm init` leaves there: a 1.30 cluster
// (kubeadm v1beta3) moved to 1.31 (v1beta4). What kubeadm-config ends up with is checked against the bootstrap
// provider's own kubeadm writer, which renders the same KCP settings for new Machines.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DaemonSet, Deployment } from 'kubernetes-types/apps/v1.js';
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { parse } from 'yaml';
import type { KubeObject } from '../../../src/controller-runtime/api/object.js';
import type { KubeadmConfigSpec } from '../../../src/providers/bootstrap-kubeadm/api/index.js';
import {
  KubeadmAPIVersion,
  toKubeadmClusterConfiguration,
} from '../../../src/providers/bootstrap-kubeadm/kubeadm/index.js';
import {
  API_VERSION,
  type KubeadmControlPlane,
} from '../../../src/providers/control-plane-kubeadm/api/index.js';
import {
  ensureKubeadmPermissions,
  isCoreDNSUpgradeError,
  updateCoreDNS,
  updateKubeadmConfigMap,
  updateKubeProxyImage,
} from '../../../src/providers/control-plane-kubeadm/workload/index.js';
import { kubeadmObjects } from '../../../src/providers/infrastructure-dev/backends/in-memory/workload-objects.js';
import { startTestApiServer, type TestApiServer } from '../../controller-runtime/helpers/api-server.js';

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const DAEMON_SET = { apiVersion: 'apps/v1', kind: 'DaemonSet' };
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const CRB = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' };
const kubeSystem = (name: string) => ({ namespace: 'kube-system', name });

/** Parsed YAML, walked in assertions. */
type Tree = { [key: string]: Tree | undefined };

const kubeadmConfigSpec: KubeadmConfigSpec = {
  clusterConfiguration: {
    apiServer: {
      extraArgs: [
        { name: 'audit-log-maxage', value: '30' },
        { name: 'profiling', value: 'false' },
      ],
      certSANs: ['api.example.com'],
    },
    controllerManager: { extraArgs: [{ name: 'bind-address', value: '0.0.0.0' }] },
    featureGates: { ControlPlaneKubeletLocalMode: true },
    dns: { imageTag: 'v1.11.3' },
  },
};

function kcp(version: string): KubeadmControlPlane {
  return {
    apiVersion: API_VERSION,
    kind: 'KubeadmControlPlane',
    metadata: { namespace: 'default', name: 'cp' },
    spec: {
      version,
      kubeadmConfigSpec,
      machineTemplate: {
        spec: {
          infrastructureRef: {
            apiGroup: 'infrastructure.cluster.x-k8s.io',
            kind: 'DevMachineTemplate',
            name: 't',
          },
        },
      },
    },
  };
}

describe('workload-cluster steps of a control plane upgrade (1.30 -> 1.31) on a real API server', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestApiServer();
    for (const { obj } of kubeadmObjects({
      clusterName: 'c1',
      version: 'v1.30.4',
      endpoint: { host: '127.0.0.1', port: 6443 },
      podSubnet: '192.168.0.0/16',
    })) {
      await api.client.create(obj as KubeObject);
    }
  });
  after(() => api.stop());

  const get = <T>(type: { apiVersion: string; kind: string }, key: { namespace?: string; name: string }) =>
    api.client.get<KubeObject & T>(type, key);

  it('creates the kubeadm RBAC of the target version before the rollout', async () => {
    assert.deepEqual(await ensureKubeadmPermissions(api.client, 'v1.31.0'), { changed: true });
    const crb = await get(CRB, { name: 'kubeadm:apiserver-kubelet-client' });
    assert.equal((crb.roleRef as { name: string }).name, 'system:kubelet-api-admin');
    assert.deepEqual(await ensureKubeadmPermissions(api.client, 'v1.31.0'), { changed: false });
  });

  it('rewrites kubeadm-config as v1beta4 with the KCP settings, the way new Machines get them, once', async () => {
    const before = await get<ConfigMap>(CONFIG_MAP, kubeSystem('kubeadm-config'));
    assert.match(before.data!.ClusterConfiguration!, /kubeadm\.k8s\.io\/v1beta3/);
    assert.deepEqual(await updateKubeadmConfigMap(api.client, kcp('v1.31.0')), { changed: true });
    const after = await get<ConfigMap>(CONFIG_MAP, kubeSystem('kubeadm-config'));
    const cc = parse(after.data!.ClusterConfiguration!) as Tree;
    const expected = toKubeadmClusterConfiguration(
      kubeadmConfigSpec.clusterConfiguration,
      KubeadmAPIVersion.V1Beta4,
    ) as unknown as Tree;
    assert.equal(cc.apiVersion, 'kubeadm.k8s.io/v1beta4');
    assert.equal(cc.kubernetesVersion, 'v1.31.0');
    for (const field of ['apiServer', 'controllerManager', 'featureGates'] as const) {
      assert.deepEqual(cc[field], JSON.parse(JSON.stringify(expected[field])), field);
    }
    // What kubeadm init wrote and Cluster API does not model stays.
    assert.equal(cc.clusterName, 'c1');
    assert.equal(cc.controlPlaneEndpoint, '127.0.0.1:6443');
    assert.deepEqual(cc.networking, {
      dnsDomain: 'cluster.local',
      serviceSubnet: '10.96.0.0/12',
      podSubnet: '192.168.0.0/16',
    });
    assert.deepEqual(await updateKubeadmConfigMap(api.client, kcp('v1.31.0')), { changed: false });
    const again = await get<ConfigMap>(CONFIG_MAP, kubeSystem('kubeadm-config'));
    assert.equal(
      again.metadata.resourceVersion,
      after.metadata.resourceVersion,
      'no write when nothing changes',
    );
  });

  it('once stable, moves kube-proxy to the new version', async () => {
    assert.deepEqual(await updateKubeProxyImage(api.client, kcp('v1.31.0')), { changed: true });
    const ds = await get<DaemonSet>(DAEMON_SET, kubeSystem('kube-proxy'));
    assert.equal(ds.spec!.template.spec!.containers[0]!.image, 'registry.k8s.io/kube-proxy:v1.31.0');
    assert.deepEqual(await updateKubeProxyImage(api.client, kcp('v1.31.0')), { changed: false });
    const again = await get<DaemonSet>(DAEMON_SET, kubeSystem('kube-proxy'));
    assert.equal(again.metadata.resourceVersion, ds.metadata.resourceVersion);
  });

  it('once stable, moves CoreDNS to the requested image with the Corefile backed up, and refuses to go back', async () => {
    const corefile = (await get<ConfigMap>(CONFIG_MAP, kubeSystem('coredns'))).data!.Corefile!;
    const result = await updateCoreDNS(api.client, kcp('v1.31.0'));
    assert.deepEqual(result, {
      changed: true,
      fromImage: 'registry.k8s.io/coredns/coredns:v1.11.1',
      toImage: 'registry.k8s.io/coredns/coredns:v1.11.3',
    });
    const deployment = await get<Deployment>(DEPLOYMENT, kubeSystem('coredns'));
    assert.equal(
      deployment.spec!.template.spec!.containers[0]!.image,
      'registry.k8s.io/coredns/coredns:v1.11.3',
    );
    const cm = await get<ConfigMap>(CONFIG_MAP, kubeSystem('coredns'));
    assert.deepEqual(cm.data, { Corefile: corefile, 'Corefile-backup': corefile });
    const cc = parse(
      (await get<ConfigMap>(CONFIG_MAP, kubeSystem('kubeadm-config'))).data!.ClusterConfiguration!,
    ) as Tree;
    assert.deepEqual(cc.dns, { imageTag: 'v1.11.3' });

    const older = kcp('v1.31.0');
    older.spec.kubeadmConfigSpec = { clusterConfiguration: { dns: { imageTag: 'v1.10.1' } } };
    await assert.rejects(
      updateCoreDNS(api.client, older),
      (err: unknown) => isCoreDNSUpgradeError(err) && err.problem === 'Downgrade',
    );
    const unchanged = await get<Deployment>(DEPLOYMENT, kubeSystem('coredns'));
    assert.equal(unchanged.metadata.resourceVersion, deployment.metadata.resourceVersion);
  });
});
