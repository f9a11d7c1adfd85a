// A control plane upgrade end to end: core, the kubeadm bootstrap and control plane providers, the in-memory
// infrastructure provider and every admission webhook (as `capi up` runs them). A KubeadmControlPlane of 3 at
// v1.33 with a kubeadm worker is refused a jump to v1.35, then upgraded to v1.34 one Machine at a time while
// etcd, the workload API server and the Cluster stay up; the workload cluster ends up with kubeadm-config,
// kube-proxy and kubeadm RBAC of the new version, and the upgrade is counted as succeeded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { parse } from 'yaml';
import { InvalidError } from '../../src/controller-runtime/client/errors.js';
import {
  applyKcpCluster,
  availableCluster,
  availableKcp,
  clusterWorkloadClient,
  type ControlPlaneMachine,
  controlPlaneMachines,
  createMachineDeployment,
  KUBEADM_CONFIG,
  KUBEADM_CONTROL_PLANE,
  setupCore,
  WorkloadEtcd,
} from '../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  eventually,
  getObj,
  type Harness,
  metricValue,
  NODE,
  type Obj,
  useHarness,
} from '../providers/infrastructure-dev/harness.js';

const TIMEOUT = 120_000;
const FROM = 'v1.33.1';
const TO = 'v1.34.1';
const EXPIRY_ANNOTATION = 'machine.cluster.x-k8s.io/certificates-expiry';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (machines: ControlPlaneMachine[]) => machines.filter((m) => !m.metadata.deletionTimestamp);

/**
 * Runs `sample` back to back with `pauseMs` between runs until stopped, remembering the longest time between
 * the starts of two runs (so the test can say how closely it watched).
 */
function sampler(pauseMs: number, sample: () => Promise<void>) {
  let running = true;
  let maxGapMs = 0;
  let samples = 0;
  const done = (async () => {
    let last = Date.now();
    while (running) {
      const now = Date.now();
      if (samples > 0) maxGapMs = Math.max(maxGapMs, now - last);
      last = now;
      samples++;
      await sample();
      await sleep(pauseMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await done;
      return { samples, maxGapMs };
    },
  };
}

/** The serving certificate's expiry at the cluster's endpoint, RFC 3339 (what kubeadm's `kube-apiserver` cert says). */
async function endpointCertificateExpiry(endpoint: { host: string; port: number }): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: endpoint.host, port: endpoint.port, rejectUnauthorized: false }, () => {
      const cert = socket.getPeerCertificate();
      socket.destroy();
      resolve(new Date(cert.valid_to).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    });
    socket.once('error', reject);
  });
}

const patchVersion = (h: Harness, ns: string, kcp: string, version: string) =>
  h.client.patch(
    { ...KUBEADM_CONTROL_PLANE, metadata: { name: kcp, namespace: ns } },
    { type: 'merge', data: { spec: { version } } },
  );

describe('KubeadmControlPlane upgrade end to end on the in-memory provider', () => {
  const harness = useHarness({ setup: setupCore, webhooks: true });

  it(`refuses ${FROM} -> v1.35, then upgrades 3 control plane Machines to ${TO} one at a time, keeping etcd quorum and the Cluster Available`, async (t) => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'up1';
    const kcpName = `${name}-cp`;
    const clusterLabels = { cluster_namespace: ns, cluster_name: name };
    const c = await applyKcpCluster(h, ns, name, 3, { version: FROM });
    await createMachineDeployment(h, c, `${name}-md-0`, 1, { bootstrap: 'kubeadmConfigTemplate' });
    const cluster = await availableCluster(h, ns, name, 1);
    await availableKcp(h, ns, kcpName, 3, TIMEOUT);
    const endpoint = cluster.spec!.controlPlaneEndpoint!;
    const expiry = await endpointCertificateExpiry(endpoint);
    const before = await controlPlaneMachines(h, ns);
    assert.equal(before.length, 3);

    // Once stable, KCP records each API server's certificate expiry on the KubeadmConfigs; the Machine
    // controller turns it into status.certificatesExpiryDate, and the metrics show the time left.
    await eventually(
      'certificate expiry on every control plane Machine',
      async () => {
        const machines = await controlPlaneMachines(h, ns);
        for (const m of machines) {
          const config = await getObj(h, KUBEADM_CONFIG, ns, m.spec.bootstrap.configRef!.name);
          if (config?.metadata.annotations?.[EXPIRY_ANNOTATION] !== expiry) return undefined;
          if (m.status?.certificatesExpiryDate !== expiry) return undefined;
        }
        return true;
      },
      TIMEOUT,
    );
    const left = await eventually('the certificate expiry gauge', async () => {
      const seconds = await metricValue(
        h.registry,
        'capi_kubeadmcontrolplane_certificates_expiry_seconds',
        clusterLabels,
      );
      return seconds > 0 ? seconds : undefined;
    });
    const expected = (Date.parse(expiry) - Date.now()) / 1000;
    assert.ok(Math.abs(left - expected) < 120, `${left} s left, the certificate says ${expected} s`);

    // Two minors at once: the webhook refuses it, naming the field, and nothing rolls out.
    await assert.rejects(patchVersion(h, ns, kcpName, 'v1.35.0'), (err: unknown) => {
      assert.ok(err instanceof InvalidError, String(err));
      assert.equal(err.status.code, 422);
      assert.equal(err.status.reason, 'Invalid');
      assert.match(
        err.message,
        new RegExp(`spec\\.version: Forbidden: cannot update Kubernetes version from ${FROM} to v1\\.35\\.0`),
      );
      assert.deepEqual(
        err.status.details?.causes?.map((cause) => [cause.field, cause.reason]),
        [['spec.version', 'FieldValueForbidden']],
      );
      return true;
    });
    assert.equal(
      ((await getObj(h, KUBEADM_CONTROL_PLANE, ns, kcpName))?.spec as { version?: string }).version,
      FROM,
    );

    // Watch the rollout closely: the control plane Machines, etcd through the workload cluster, the Cluster.
    let maxMachines = 0;
    let maxCreating = 0;
    const notAvailable: string[] = [];
    let minHealthyVoters = Infinity;
    const etcdFailures: string[] = [];
    let nodes = before.map((m) => m.status!.nodeRef!.name);
    const etcd = await WorkloadEtcd.open(h, ns, name);

    const machineSampler = sampler(50, async () => {
      const machines = await controlPlaneMachines(h, ns).catch(() => undefined);
      if (!machines) return;
      maxMachines = Math.max(maxMachines, machines.length);
      maxCreating = Math.max(maxCreating, alive(machines).filter((m) => !m.status?.nodeRef).length);
      const withNodes = alive(machines).filter((m) => m.status?.nodeRef);
      if (withNodes.length > 0) nodes = withNodes.map((m) => m.status!.nodeRef!.name);
    });
    const clusterSampler = sampler(50, async () => {
      const obj = await getObj(h, CLUSTER, ns, name);
      const available = condition(obj, 'Available');
      if (obj && available?.status !== 'True')
        notAvailable.push(
          `${available?.status ?? 'missing'} ${available?.reason ?? ''}: ${available?.message ?? ''}`,
        );
    });
    // Healthy voting members: listed by a member that answers, each voter answering its own status.
    const etcdSampler = sampler(100, async () => {
      const errors: string[] = [];
      for (const node of nodes) {
        try {
          const members = await etcd.members(node);
          const answers = await Promise.all(
            members
              .filter((m) => !m.isLearner)
              .map((m) =>
                etcd.status(m.name).then(
                  () => true,
                  () => false,
                ),
              ),
          );
          minHealthyVoters = Math.min(minHealthyVoters, answers.filter(Boolean).length);
          return;
        } catch (err) {
          errors.push(`${node}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
      etcdFailures.push(errors.join('; '));
    });

    const started = Date.now();
    await patchVersion(h, ns, kcpName, TO);
    const after = await eventually(
      `3 control plane Machines at ${TO}`,
      async () => {
        const machines = await controlPlaneMachines(h, ns);
        return machines.length === 3 &&
          machines.every((m) => m.spec.version === TO && m.status?.nodeRef && !m.metadata.deletionTimestamp)
          ? machines
          : undefined;
      },
      TIMEOUT,
    );
    const kcp = await availableKcp(h, ns, kcpName, 3, TIMEOUT);
    await eventually(
      'the upgrade counted as succeeded',
      async () =>
        (await metricValue(h.registry, 'capi_kubeadmcontrolplane_upgrades_total', {
          ...clusterLabels,
          result: 'succeeded',
        })) === 1,
      TIMEOUT,
    );
    const upgradeSeconds = (Date.now() - started) / 1000;
    const samples = {
      machines: await machineSampler.stop(),
      cluster: await clusterSampler.stop(),
      etcd: await etcdSampler.stop(),
    };
    etcd.close();
    t.diagnostic(
      `upgrade took ${upgradeSeconds} s; samples ${JSON.stringify(samples)}; etcd kept ${minHealthyVoters} healthy voters at worst`,
    );

    // One Machine at a time: one more than desired at most, never two provisioning together.
    assert.equal(maxMachines, 4, 'surge by one, never more');
    assert.equal(maxCreating, 1, 'one Machine created at a time');
    assert.deepEqual(notAvailable, [], 'the Cluster stayed Available');
    assert.deepEqual(etcdFailures, [], 'etcd answered through the workload cluster throughout');
    assert.ok(minHealthyVoters >= 2, `etcd kept ${minHealthyVoters} healthy voting members at worst`);
    // Samples are taken every 50-100 ms; on a loaded CI machine one can wait on the event loop for a while. Each
    // replacement takes seconds (join, member added, old member removed), so 2 s between samples still sees
    // every step.
    for (const [what, s] of Object.entries(samples))
      assert.ok(s.maxGapMs <= 2000, `${what} sampled at least every 2 s (longest gap ${s.maxGapMs} ms)`);
    assert.ok(samples.etcd.samples > 3, `etcd sampled ${samples.etcd.samples} times in ${upgradeSeconds} s`);

    // Every Machine was replaced, and the Nodes run the new kubelet.
    assert.equal(
      after.filter((m) => before.some((b) => b.metadata.name === m.metadata.name)).length,
      0,
      'every Machine replaced',
    );
    const wl = await clusterWorkloadClient(c, cluster);
    try {
      const cpNodes = (await wl.list<Obj>(NODE, { labelSelector: 'node-role.kubernetes.io/control-plane' }))
        .items;
      assert.deepEqual(
        cpNodes.map((n) => n.metadata.name).sort(),
        after.map((m) => m.status!.nodeRef!.name).sort(),
      );
      for (const n of cpNodes)
        assert.equal((n.status as { nodeInfo?: { kubeletVersion?: string } }).nodeInfo?.kubeletVersion, TO);

      // kubeadm-config rewritten for the target version (kubeadm's v1beta4 API from 1.31 on).
      const kubeadmConfig = await wl.get<Obj>(
        { apiVersion: 'v1', kind: 'ConfigMap' },
        { namespace: 'kube-system', name: 'kubeadm-config' },
      );
      const clusterConfiguration = parse(kubeadmConfig.data?.ClusterConfiguration ?? '') as Record<
        string,
        unknown
      >;
      assert.equal(clusterConfiguration.kubernetesVersion, TO);
      assert.equal(clusterConfiguration.apiVersion, 'kubeadm.k8s.io/v1beta4');
      assert.equal(clusterConfiguration.kind, 'ClusterConfiguration');

      // kube-proxy follows once the control plane is stable.
      const kubeProxy = await eventually('kube-proxy at the new version', async () => {
        const ds = await wl.get<Obj>(
          { apiVersion: 'apps/v1', kind: 'DaemonSet' },
          { namespace: 'kube-system', name: 'kube-proxy' },
        );
        const image = (ds.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
          .containers[0]!.image;
        return image.endsWith(`:${TO}`) ? image : undefined;
      });
      assert.equal(kubeProxy, `registry.k8s.io/kube-proxy:${TO}`);

      // The RBAC kubeadm below 1.38 expects from its control plane provider.
      const binding = await wl.get<Obj & { roleRef?: { name: string } }>(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
        { name: 'kubeadm:apiserver-kubelet-client' },
      );
      assert.equal(binding.roleRef?.name, 'system:kubelet-api-admin');
    } finally {
      wl.close();
    }

    // The KubeadmControlPlane reports the version, and the upgrade was counted once.
    const status = kcp.status as { version?: string; versions?: unknown };
    assert.equal(status.version, TO);
    assert.deepEqual(status.versions, [{ version: TO, replicas: 3 }]);
    assert.equal(
      await metricValue(h.registry, 'capi_kubeadmcontrolplane_upgrades_started_total', clusterLabels),
      1,
    );
    assert.equal(
      await metricValue(h.registry, 'capi_kubeadmcontrolplane_upgrades_total', {
        ...clusterLabels,
        result: 'failed',
      }),
      0,
    );
    assert.equal(
      await metricValue(h.registry, 'capi_kubeadmcontrolplane_upgrade_start_time_seconds', clusterLabels),
      0,
      'no upgrade in progress any more',
    );

    // The replacements' certificate expiry is recorded too.
    await eventually(
      'certificate expiry on the new Machines',
      async () => {
        for (const m of await controlPlaneMachines(h, ns))
          if (m.status?.certificatesExpiryDate !== expiry) return undefined;
        return true;
      },
      TIMEOUT,
    );
  });
});
