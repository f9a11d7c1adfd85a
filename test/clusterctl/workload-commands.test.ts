import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deleteCluster, DeleteTimeoutError } from '../../src/clusterctl/delete-cluster.js';
import { ClusterNotFoundError } from '../../src/clusterctl/errors.js';
import { getClusters } from '../../src/clusterctl/get-clusters.js';
import { getKubeconfig, KubeconfigNotReadyError } from '../../src/clusterctl/get-kubeconfig.js';
import { rollout, RolloutError } from '../../src/clusterctl/rollout.js';
import type { KubeObject } from '../../src/controller-runtime/api/object.js';
import { clusterApiCrds } from '../../src/main/crds.js';
import { installCrds } from '../../src/main/install-crds.js';
import { startTestApiServer, type TestApiServer } from '../controller-runtime/helpers/api-server.js';

const NS = 'default';
const cluster = (name: string): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace: NS },
  spec: { paused: false },
});
const machineDeployment = (name: string, clusterName = 'c1'): KubeObject => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'MachineDeployment',
  metadata: { name, namespace: NS, labels: { 'cluster.x-k8s.io/cluster-name': clusterName } },
  spec: {
    clusterName,
    replicas: 1,
    selector: { matchLabels: {} },
    template: {
      spec: {
        clusterName,
        bootstrap: { dataSecretName: 'x' },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachineTemplate',
          name: 't',
        },
      },
    },
  },
});

describe('capi get kubeconfig, rollout and delete cluster against an API server', () => {
  let api: TestApiServer;
  before(async () => {
    api = await startTestApiServer();
    await installCrds(api.client, clusterApiCrds());
  });
  after(async () => {
    await api.stop();
  });

  it('prints the decoded kubeconfig, and says why when there is none yet', async () => {
    await api.client.create(cluster('kc'));
    await assert.rejects(getKubeconfig(api.client, { namespace: NS, name: 'kc' }), (err: unknown) => {
      assert.ok(err instanceof KubeconfigNotReadyError);
      assert.match(
        err.message,
        /Secret default\/kc-kubeconfig does not exist yet: the control plane of cluster "kc"/,
      );
      return true;
    });
    await api.client.create({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'kc-kubeconfig', namespace: NS },
      data: { value: Buffer.from('apiVersion: v1\nkind: Config\n').toString('base64') },
    });
    assert.equal(
      await getKubeconfig(api.client, { namespace: NS, name: 'kc' }),
      'apiVersion: v1\nkind: Config\n',
    );
    await assert.rejects(getKubeconfig(api.client, { namespace: NS, name: 'nope' }), ClusterNotFoundError);
  });

  it('restarts a MachineDeployment by setting spec.rollout.after, and refuses while it is paused', async () => {
    await api.client.create(machineDeployment('md-r', 'other'));
    const now = new Date('2030-01-02T03:04:05.678Z');
    assert.equal(
      await rollout(api.client, {
        action: 'restart',
        resource: 'machinedeployment/md-r',
        namespace: NS,
        now,
      }),
      'machinedeployment/md-r restarted (spec.rollout.after: 2030-01-02T03:04:05Z)',
    );
    const md = await api.client.get<KubeObject & { spec: { rollout?: { after?: string } } }>(
      { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' },
      { namespace: NS, name: 'md-r' },
    );
    assert.equal(md.spec.rollout?.after, '2030-01-02T03:04:05Z');
    // A rollout already scheduled later than now is not overridden.
    await assert.rejects(
      rollout(api.client, {
        action: 'restart',
        resource: 'md/md-r',
        namespace: NS,
        now: new Date('2029-01-01T00:00:00Z'),
      }),
      /already set in the future/,
    );
    assert.equal(
      await rollout(api.client, { action: 'pause', resource: 'md/md-r', namespace: NS }),
      'machinedeployment/md-r paused',
    );
    assert.equal(
      await rollout(api.client, { action: 'pause', resource: 'md/md-r', namespace: NS }),
      'machinedeployment/md-r already paused',
    );
    await assert.rejects(
      rollout(api.client, { action: 'restart', resource: 'md/md-r', namespace: NS, now }),
      (err: unknown) => {
        assert.ok(err instanceof RolloutError);
        assert.match(
          err.message,
          /can't restart paused MachineDeployment "md-r" \(run: capi rollout resume machinedeployment\/md-r\)/,
        );
        return true;
      },
    );
    await rollout(api.client, { action: 'resume', resource: 'md/md-r', namespace: NS });
    const resumed = await api.client.get<KubeObject & { spec: { paused?: boolean } }>(
      { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'MachineDeployment' },
      { namespace: NS, name: 'md-r' },
    );
    assert.equal(resumed.spec.paused, false);
    await assert.rejects(
      rollout(api.client, { action: 'pause', resource: 'md/none', namespace: NS }),
      /MachineDeployment "none" not found/,
    );
    await assert.rejects(
      rollout(api.client, { action: 'pause', resource: 'deployment/x', namespace: NS }),
      /use machinedeployment\/NAME or kubeadmcontrolplane\/NAME/,
    );
  });

  it('deletes a cluster and waits until what carried its name is gone, reporting what is left', async () => {
    await api.client.create(cluster('c1'));
    const md = await api.client.create(machineDeployment('c1-md-0'));
    const lines: string[] = [];
    await assert.rejects(
      deleteCluster(api.client, {
        namespace: NS,
        name: 'c1',
        wait: true,
        timeoutMs: 300,
        pollMs: 50,
        onProgress: (l) => lines.push(l),
      }),
      (err: unknown) => {
        assert.ok(err instanceof DeleteTimeoutError);
        assert.match(err.message, /cluster "c1" still has 1 MachineDeployment after/);
        return true;
      },
    );
    assert.match(lines[0] ?? '', /^deleting cluster c1: 1 MachineDeployment left/);
    // A cluster already gone is an error naming it, not a silent success.
    await assert.rejects(deleteCluster(api.client, { namespace: NS, name: 'c1' }), ClusterNotFoundError);
    await api.client.delete(md);
  });

  it('ends the wait once the Cluster (held by a finalizer) and its objects are gone', async () => {
    await api.client.create({
      ...cluster('c2'),
      metadata: { name: 'c2', namespace: NS, finalizers: ['test/hold'] },
    });
    const md = await api.client.create(machineDeployment('c2-md-0', 'c2'));
    const lines: string[] = [];
    const waiting = deleteCluster(api.client, {
      namespace: NS,
      name: 'c2',
      wait: true,
      pollMs: 50,
      onProgress: (l) => lines.push(l),
    });
    await new Promise((r) => setTimeout(r, 300));
    await api.client.delete(md);
    await api.client.patch(
      { apiVersion: 'cluster.x-k8s.io/v1beta2', kind: 'Cluster', metadata: { name: 'c2', namespace: NS } },
      { type: 'merge', data: { metadata: { finalizers: null } } },
    );
    const result = await waiting;
    assert.equal(result.waited, true);
    assert.match(lines[0] ?? '', /^deleting cluster c2: 1 Cluster, 1 MachineDeployment left/);
  });

  it('lists clusters as an aligned table: available, control plane and workers available/desired, phase, age', async () => {
    await api.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'fleet' } });
    const up: KubeObject = await api.client.create({
      ...cluster('prod'),
      metadata: { name: 'prod', namespace: 'fleet' },
    });
    await api.client.updateStatus({
      ...up,
      status: {
        phase: 'Provisioned',
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'Available',
            message: '',
            lastTransitionTime: '2030-01-01T00:00:00Z',
          },
        ],
        controlPlane: { desiredReplicas: 3, replicas: 3, availableReplicas: 3 },
        workers: { desiredReplicas: 10, replicas: 10, availableReplicas: 9 },
      },
    });
    const stuck = await api.client.create({
      ...cluster('staging-eu'),
      metadata: { name: 'staging-eu', namespace: 'fleet' },
    });
    await api.client.updateStatus({
      ...stuck,
      status: {
        phase: 'Provisioning',
        conditions: [
          {
            type: 'Available',
            status: 'False',
            reason: 'NotAvailable',
            message: 'x',
            lastTransitionTime: '2030-01-01T00:00:00Z',
          },
        ],
      },
    });
    const now = new Date(Date.parse(up.metadata.creationTimestamp ?? '') + 3 * 60_000);
    const table = await getClusters(api.client, { namespace: 'fleet', color: false, now });
    assert.equal(
      table,
      [
        'NAME         AVAILABLE              CONTROL PLANE   WORKERS   PHASE          AGE',
        'prod         True                   3/3             9/10      Provisioned    3m',
        'staging-eu   False (NotAvailable)   -               -         Provisioning   3m',
        '',
      ].join('\n'),
    );
    assert.match(await getClusters(api.client, { color: false, now }), /^NAMESPACE\s+NAME\s+AVAILABLE/);
    assert.equal(
      await getClusters(api.client, { namespace: 'empty', color: false }),
      'No clusters in namespace "empty".\n',
    );
  });
});
