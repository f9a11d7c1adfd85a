// ClusterClass topologies end to end (issue 10): upstream's in-memory ClusterClass and cluster template applied
// unchanged after `${VAR}` substitution, and a quick-start-style class with variables and patches, each until
// the Cluster is Available; the topology controller's objects checked as a user would look at them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAllDocuments, stringify } from 'yaml';
import { setupCore } from '../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';
import {
  applyManifests,
  KCP,
  listOf,
  MACHINE_DEPLOYMENT,
  MACHINE_HEALTH_CHECK,
  readUpstream,
  skipWithoutUpstream,
  waitAvailable,
} from './helpers/topology.js';

describe('ClusterClass topology: upstream manifests end to end', { skip: skipWithoutUpstream }, () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  it("upstream's clusterclass-in-memory.yaml and cluster-template-in-memory.yaml make an Available cluster", async () => {
    const h = harness();
    const ns = await h.namespace();
    const vars = {
      NAMESPACE: ns,
      CLUSTER_NAME: 'cc-in-memory',
      KUBERNETES_VERSION: 'v1.33.0',
      CONTROL_PLANE_MACHINE_COUNT: '1',
      WORKER_MACHINE_COUNT: '1',
    };
    await applyManifests(h, ns, readUpstream('templates/clusterclass-in-memory.yaml', vars));
    await applyManifests(h, ns, readUpstream('templates/cluster-template-in-memory.yaml', vars));

    const cluster = await waitAvailable(h, ns, 'cc-in-memory', 1, 150_000);
    assert.equal(condition(cluster, 'TopologyReconciled')?.status, 'True');
    assert.equal(condition(cluster, 'TopologyReconciled')?.reason, 'ReconcileSucceeded');
    const spec = cluster.spec as {
      infrastructureRef: { kind: string; name: string };
      controlPlaneRef: { kind: string; name: string };
    };
    assert.equal(spec.infrastructureRef.kind, 'DevCluster');
    assert.match(spec.controlPlaneRef.name, /^cc-in-memory-[a-z0-9]{5}$/);

    const kcp = (await getObj(h, KCP, ns, spec.controlPlaneRef.name))!;
    assert.equal((kcp.spec as { version: string }).version, 'v1.33.0');
    assert.equal(kcp.metadata.labels?.['topology.cluster.x-k8s.io/owned'], '');
    // The control plane template's kubeadm settings came through the clone.
    assert.deepEqual(
      (kcp.spec as { kubeadmConfigSpec: { clusterConfiguration: { apiServer: { certSANs: string[] } } } })
        .kubeadmConfigSpec.clusterConfiguration.apiServer.certSANs,
      ['localhost', '127.0.0.1', '0.0.0.0', 'host.docker.internal'],
    );

    const mds = await listOf(h, MACHINE_DEPLOYMENT, ns);
    assert.equal(mds.length, 1);
    assert.equal(mds[0]!.metadata.labels?.['topology.cluster.x-k8s.io/deployment-name'], 'md-0');
    assert.match(mds[0]!.metadata.name ?? '', /^cc-in-memory-md-0-[a-z0-9]{5}$/);
    // Both health checks of the class exist: the control plane's and md-0's.
    const mhcs = await listOf(h, MACHINE_HEALTH_CHECK, ns);
    assert.deepEqual(
      mhcs.map((m) => m.metadata.name).sort(),
      [kcp.metadata.name, mds[0]!.metadata.name].sort(),
    );

    // Deleting the Cluster removes everything the topology made.
    await h.client.delete(cluster);
    await eventually(
      'Cluster gone',
      async () => ((await getObj(h, CLUSTER, ns, 'cc-in-memory')) ? undefined : true),
      90_000,
    );
    assert.deepEqual(await listOf(h, MACHINE_DEPLOYMENT, ns), []);
    assert.deepEqual(await listOf(h, KCP, ns), []);
  });

  it("a quick-start-style class (upstream's clusterclass-quick-start.yaml on the in-memory backend) with variables and patches: cluster-template-development.yaml becomes Available with the patches applied", async () => {
    const h = harness();
    const ns = await h.namespace();
    const vars = {
      NAMESPACE: ns,
      CLUSTER_NAME: 'qs',
      KUBERNETES_VERSION: 'v1.33.0',
      CONTROL_PLANE_MACHINE_COUNT: '1',
      WORKER_MACHINE_COUNT: '1',
    };
    await applyManifests(
      h,
      ns,
      inMemoryQuickStart(readUpstream('templates/clusterclass-quick-start.yaml', vars)),
    );
    await applyManifests(h, ns, readUpstream('templates/cluster-template-development.yaml', vars));

    const cluster = await waitAvailable(h, ns, 'qs', 1, 120_000);
    // Variables were defaulted from the class's schemas by the Cluster webhook.
    const variables = (cluster.spec as { topology: { variables: { name: string; value: unknown }[] } })
      .topology.variables;
    assert.deepEqual(variables.find((v) => v.name === 'podSecurityStandard')?.value, {
      enabled: true,
      enforce: 'baseline',
      audit: 'restricted',
      warn: 'restricted',
    });
    const kcp = (await getObj(
      h,
      KCP,
      ns,
      (cluster.spec as { controlPlaneRef: { name: string } }).controlPlaneRef.name,
    ))!;
    const kubeadm = (kcp.spec as { kubeadmConfigSpec: Record<string, unknown> }).kubeadmConfigSpec as {
      clusterConfiguration: {
        apiServer: { extraArgs?: { name: string; value: string }[] };
        imageRepository?: string;
        etcd?: unknown;
      };
      files?: { path: string; content: string }[];
    };
    // podSecurityStandard is enabled: its three patches went in, the template one rendered with the variables and
    // the control plane version (semverCompare picked pod-security.admission.config.k8s.io/v1, not v1beta1).
    assert.deepEqual(kubeadm.clusterConfiguration.apiServer.extraArgs, [
      { name: 'admission-control-config-file', value: '/etc/kubernetes/kube-apiserver-admission-pss.yaml' },
    ]);
    const admission = kubeadm.files?.find(
      (f) => f.path === '/etc/kubernetes/kube-apiserver-admission-pss.yaml',
    );
    assert.ok(admission, 'the PodSecurity admission configuration file is on the control plane');
    assert.match(admission.content, /apiVersion: pod-security\.admission\.config\.k8s\.io\/v1\n/);
    assert.match(admission.content, /enforce: "baseline"/);
    // imageRepository, etcdImageTag and coreDNSImageTag are "" : their enabledIf kept them out.
    assert.equal(kubeadm.clusterConfiguration.imageRepository, undefined);
    assert.equal(kubeadm.clusterConfiguration.etcd, undefined);
  });
});

/**
 * Upstream's quick-start class is written for the dev provider's docker backend, which needs a Docker engine. The
 * same class on the in-memory backend: the Dev templates' `backend.docker` becomes `backend.inMemory` (machines
 * up at once), and the `customImage` patch, which only sets a docker field (the kindest/node image), is left out;
 * so is the MachinePool class (this plane serves no MachinePools yet, and the development Cluster uses none).
 * Everything else (variables, schemas, defaults, the other patches) is upstream's text.
 */
function inMemoryQuickStart(text: string): string {
  const docs = parseAllDocuments(text)
    .map((d) => d.toJS() as Obj)
    .filter((d) => d.kind !== 'DevMachinePoolTemplate');
  for (const doc of docs) {
    if (doc.kind === 'ClusterClass') {
      const spec = doc.spec as { patches: { name: string }[]; workers: { machinePools?: unknown } };
      spec.patches = spec.patches.filter((p) => p.name !== 'customImage');
      delete spec.workers.machinePools;
      continue;
    }
    const template = (doc.spec as { template?: { spec?: { backend?: unknown } } }).template?.spec;
    if (template?.backend) template.backend = { inMemory: {} };
  }
  return docs.map((d) => stringify(d)).join('---\n');
}
