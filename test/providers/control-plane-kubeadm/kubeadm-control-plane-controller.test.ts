// The KubeadmControlPlane controller with core, the kubeadm bootstrap provider and the in-memory provider: a
// Cluster whose control plane is three Machines made one at a time across the failure domains, reached with the
// real kubectl through the kubeconfig KCP writes, with etcd membership checked on the members themselves; then
// scaled to one Machine (members removed through the pre-terminate hook) and deleted with its Cluster.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { TypeRef } from '../../../src/controller-runtime/api/object.js';
import {
  applyKcpCluster,
  availableKcp,
  controlPlaneMachines,
  etcdMemberNames,
  setupCore,
} from '../../core/core-helpers.js';
import {
  CLUSTER,
  condition,
  DEV_CLUSTER,
  DEV_MACHINE,
  eventually,
  getObj,
  type Harness,
  MACHINE,
  type Obj,
  SECRET,
  useHarness,
} from '../infrastructure-dev/harness.js';

const run = promisify(execFile);
const KCP: TypeRef = { apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2', kind: 'KubeadmControlPlane' };
const KUBEADM_CONFIG: TypeRef = { apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2', kind: 'KubeadmConfig' };
const TIMEOUT = 120_000;
const HOOK = 'pre-terminate.delete.hook.machine.cluster.x-k8s.io/kcp-cleanup';

const text = (secret: Obj | undefined, key: string): string =>
  Buffer.from(secret?.data?.[key] ?? '', 'base64').toString('utf8');

/** The cluster every test here applies: kubeadm's default RSA certificates, a label on the Machine template. */
const applyCluster = (h: Harness, ns: string, name: string, replicas: number) =>
  applyKcpCluster(h, ns, name, replicas, {
    encryptionAlgorithm: null,
    machineTemplateMetadata: { labels: { tier: 'control-plane' } },
  });

const patchKcp = (h: Harness, ns: string, name: string, data: Record<string, unknown>) =>
  h.client.patch({ ...KCP, metadata: { name, namespace: ns } }, { type: 'merge', data });

describe('KubeadmControlPlane controller with core and the in-memory provider', () => {
  const harness = useHarness({
    setup: (manager) => setupCore(manager),
  });

  it('creates 3 control plane Machines one at a time across failure domains, scales to 1 and is deleted with its Cluster', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'kcp1';
    await applyCluster(h, ns, name, 3);

    // Never more than one Machine without a Node: KCP waits for each one before the next.
    let maxProvisioning = 0;
    const provisioned = await eventually(
      '3 control plane Machines with Nodes',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        maxProvisioning = Math.max(maxProvisioning, list.filter((m) => !m.status?.nodeRef).length);
        return list.length === 3 && list.every((m) => m.status?.nodeRef) ? list : undefined;
      },
      TIMEOUT,
    );
    assert.equal(maxProvisioning, 1, 'one Machine provisioning at a time');
    assert.deepEqual(provisioned.map((m) => m.spec.failureDomain).sort(), ['fd1', 'fd2', 'fd3']);

    // Machine conditions reach the KCP a reconcile after the Machine controller wrote them: wait for all.
    const healthy = ['Available', 'Initialized', 'CertificatesAvailable', 'EtcdClusterHealthy'];
    healthy.push('ControlPlaneComponentsHealthy', 'MachinesReady', 'MachinesUpToDate');
    const kcp = await eventually(
      'KCP Available with 3 ready replicas',
      async () => {
        const obj = await getObj(h, KCP, ns, `${name}-cp`);
        const status = obj?.status as { readyReplicas?: number; availableReplicas?: number } | undefined;
        return healthy.every((type) => condition(obj, type)?.status === 'True') &&
          status?.readyReplicas === 3 &&
          status.availableReplicas === 3
          ? obj
          : undefined;
      },
      TIMEOUT,
    );
    for (const type of ['ScalingUp', 'ScalingDown', 'RollingOut', 'Remediating', 'Deleting', 'Paused'])
      assert.equal(condition(kcp, type)?.status, 'False', `${type}: ${JSON.stringify(condition(kcp, type))}`);
    const status = kcp.status as Record<string, unknown>;
    assert.deepEqual(
      {
        initialization: status.initialization,
        replicas: status.replicas,
        readyReplicas: status.readyReplicas,
        upToDateReplicas: status.upToDateReplicas,
        selector: status.selector,
        versions: status.versions,
        version: status.version,
      },
      {
        initialization: { controlPlaneInitialized: true },
        replicas: 3,
        readyReplicas: 3,
        upToDateReplicas: 3,
        selector: `cluster.x-k8s.io/cluster-name=${name},cluster.x-k8s.io/control-plane`,
        versions: [{ version: 'v1.33.1', replicas: 3 }],
        version: 'v1.33.1',
      },
    );

    const machines = await controlPlaneMachines(h, ns);

    // The certificates and the kubeconfig are the KCP's.
    for (const purpose of ['ca', 'etcd', 'proxy', 'sa', 'kubeconfig']) {
      const secret = await getObj(h, SECRET, ns, `${name}-${purpose}`);
      assert.deepEqual(
        secret?.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['KubeadmControlPlane', `${name}-cp`, true]],
        purpose,
      );
    }

    // What the Machines, their KubeadmConfigs and DevMachines carry.
    const sorted = [...machines].sort((a, b) =>
      a.metadata.creationTimestamp! < b.metadata.creationTimestamp! ? -1 : 1,
    );
    for (const [i, m] of sorted.entries()) {
      assert.match(m.metadata.name ?? '', /^kcp1-cp-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      assert.deepEqual(m.metadata.labels, {
        tier: 'control-plane',
        'cluster.x-k8s.io/cluster-name': name,
        'cluster.x-k8s.io/control-plane': '',
        'cluster.x-k8s.io/control-plane-name': `${name}-cp`,
      });
      assert.equal(m.metadata.annotations?.[HOOK], '');
      assert.deepEqual(
        m.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
        [['KubeadmControlPlane', `${name}-cp`, true]],
      );
      assert.deepEqual(
        m.spec.readinessGates?.map((g) => g.conditionType),
        [
          'NodeKubeadmLabelsAndTaintsSet',
          'APIServerPodHealthy',
          'ControllerManagerPodHealthy',
          'SchedulerPodHealthy',
          'EtcdPodHealthy',
          'EtcdMemberHealthy',
        ],
      );
      for (const type of ['UpToDate', 'Ready', 'EtcdMemberHealthy', 'APIServerPodHealthy'])
        assert.equal(condition(m, type)?.status, 'True', `${m.metadata.name} ${type}`);
      const config = (await getObj(h, KUBEADM_CONFIG, ns, m.spec.bootstrap.configRef!.name))!;
      const spec = config.spec as {
        initConfiguration?: unknown;
        joinConfiguration?: { controlPlane?: unknown };
      };
      if (i === 0) {
        assert.ok(spec.initConfiguration, 'the first Machine runs kubeadm init');
        assert.equal(spec.joinConfiguration, undefined);
      } else {
        assert.equal(spec.initConfiguration, undefined);
        assert.deepEqual(spec.joinConfiguration?.controlPlane, {}, 'the others join as control plane');
      }
      const dm = (await getObj(h, DEV_MACHINE, ns, m.metadata.name!))!;
      assert.equal(dm.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], `${name}-cp`);
      assert.equal(
        dm.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
        'DevMachineTemplate.infrastructure.cluster.x-k8s.io',
      );
    }

    // The kubeconfig works with the real kubectl, and etcd has one member per Machine.
    const dir = await mkdtemp(path.join(tmpdir(), 'kcp-kubectl-'));
    try {
      const file = path.join(dir, 'kubeconfig');
      await writeFile(file, text(await getObj(h, SECRET, ns, `${name}-kubeconfig`), 'value'));
      const { stdout } = await run('kubectl', ['--kubeconfig', file, 'get', 'nodes', '--no-headers']);
      const nodes = stdout.trim().split('\n');
      assert.equal(nodes.length, 3, stdout);
      for (const line of nodes) assert.match(line, /^\S+\s+Ready\s+control-plane\s+/, line);

      const kubectlKcp = await run('kubectl', ['--kubeconfig', h.api.kubeconfigPath, 'get', 'kcp', '-n', ns]);
      const [header, row] = kubectlKcp.stdout.trim().split('\n');
      assert.match(
        header!,
        /^NAME\s+CLUSTER\s+AVAILABLE\s+DESIRED\s+CURRENT\s+READY\s+AVAILABLE\s+UP-TO-DATE\s+INITIALIZED\s+AGE\s+VERSION$/,
      );
      assert.match(row!, /^kcp1-cp\s+kcp1\s+True\s+3\s+3\s+3\s+3\s+3\s+true\s+\S+\s+v1\.33\.1$/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    const nodeNames = machines.map((m) => m.status!.nodeRef!.name).sort();
    assert.deepEqual(await etcdMemberNames(h, ns, name, nodeNames[0]!), nodeNames);

    // Scale down to one: two Machines go, and their etcd members with them.
    await h.client.patch(
      { ...KCP, metadata: { name: `${name}-cp`, namespace: ns } },
      { type: 'merge', data: { spec: { replicas: 1 } } },
    );
    const [last] = await eventually(
      'one control plane Machine left',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        return list.length === 1 ? list : undefined;
      },
      TIMEOUT,
    );
    const lastNode = last!.status!.nodeRef!.name;
    assert.deepEqual(await etcdMemberNames(h, ns, name, lastNode), [lastNode]);
    await eventually(
      'KCP Available with 1 replica',
      async () => {
        const obj = await getObj(h, KCP, ns, `${name}-cp`);
        return condition(obj, 'Available')?.status === 'True' &&
          condition(obj, 'ScalingDown')?.status === 'False' &&
          (obj?.status as { replicas?: number }).replicas === 1
          ? obj
          : undefined;
      },
      TIMEOUT,
    );

    // Deleting the Cluster takes the control plane, its Machines and its Secrets along.
    await h.client.delete({ ...CLUSTER, metadata: { name, namespace: ns } });
    await eventually(
      'everything gone',
      async () => {
        const left = [
          await getObj(h, CLUSTER, ns, name),
          await getObj(h, KCP, ns, `${name}-cp`),
          await getObj(h, DEV_CLUSTER, ns, name),
          ...(await h.client.list(MACHINE, { namespace: ns })).items,
          ...(await h.client.list(DEV_MACHINE, { namespace: ns })).items,
          ...(await h.client.list(KUBEADM_CONFIG, { namespace: ns })).items,
          ...(await h.client.list(SECRET, { namespace: ns })).items.filter((s) =>
            s.metadata.name?.startsWith(`${name}-`),
          ),
        ].filter(Boolean);
        return left.length === 0 ? true : undefined;
      },
      TIMEOUT,
    );
  });
  it('keeps Machines in line in place, and replaces them when the version changes', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'kcp2';
    await applyCluster(h, ns, name, 1);
    await availableKcp(h, ns, `${name}-cp`, 1);
    const [first] = await controlPlaneMachines(h, ns);
    const firstName = first!.metadata.name!;

    // Labels, annotations and deletion timeouts reach the Machine, its DevMachine and KubeadmConfig in place.
    await patchKcp(h, ns, `${name}-cp`, {
      spec: {
        machineTemplate: {
          metadata: { labels: { tier: 'control-plane', env: 'test' }, annotations: { note: 'kept in line' } },
          spec: { deletion: { nodeDrainTimeoutSeconds: 30 } },
        },
      },
    });
    await eventually(
      'the new metadata on the Machine and its objects',
      async () => {
        const m = await getObj(h, MACHINE, ns, firstName);
        const dm = await getObj(h, DEV_MACHINE, ns, firstName);
        const kc = await getObj(h, KUBEADM_CONFIG, ns, firstName);
        const deletion = (m?.spec as { deletion?: { nodeDrainTimeoutSeconds?: number } }).deletion;
        return [m, dm, kc].every(
          (o) => o?.metadata.labels?.env === 'test' && o.metadata.annotations?.note === 'kept in line',
        ) && deletion?.nodeDrainTimeoutSeconds === 30
          ? true
          : undefined;
      },
      TIMEOUT,
    );
    assert.deepEqual(
      (await controlPlaneMachines(h, ns)).map((m) => m.metadata.name),
      [firstName],
      'no rollout for in-place fields',
    );

    // A new version rolls out: one more Machine first (maxSurge 1), then the old one goes.
    await patchKcp(h, ns, `${name}-cp`, { spec: { version: 'v1.33.2' } });
    let maxMachines = 0;
    const [replacement] = await eventually(
      'the Machine replaced',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        maxMachines = Math.max(maxMachines, list.length);
        return list.length === 1 && list[0]!.metadata.name !== firstName && list[0]!.status?.nodeRef
          ? list
          : undefined;
      },
      TIMEOUT,
    );
    assert.equal(maxMachines, 2, 'surge by one');
    assert.equal((replacement!.spec as { version?: string }).version, 'v1.33.2');
    assert.equal(replacement!.metadata.labels?.env, 'test');
    const kcp = await availableKcp(h, ns, `${name}-cp`, 1);
    assert.deepEqual((kcp.status as { versions?: unknown }).versions, [{ version: 'v1.33.2', replicas: 1 }]);
    const node = replacement!.status!.nodeRef!.name;
    assert.deepEqual(await etcdMemberNames(h, ns, name, node), [node]);
    const config = await getObj(h, KUBEADM_CONFIG, ns, replacement!.spec.bootstrap.configRef!.name);
    assert.deepEqual(
      (config?.spec as { joinConfiguration?: { controlPlane?: unknown } }).joinConfiguration?.controlPlane,
      {},
      'the replacement joins the initialized cluster',
    );
  });

  it('remediates an unhealthy Machine by replacing it, keeping etcd quorum', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'kcp3';
    await applyCluster(h, ns, name, 3);
    await availableKcp(h, ns, `${name}-cp`, 3);
    const before = await controlPlaneMachines(h, ns);
    const sick = before[0]!;
    const sickName = sick.metadata.name!;

    // What a MachineHealthCheck writes when it leaves remediation to the owner.
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    await h.client.patchStatus(sick, {
      type: 'merge',
      data: {
        status: {
          conditions: [
            ...(sick.status?.conditions ?? []),
            {
              type: 'HealthCheckSucceeded',
              status: 'False',
              reason: 'UnhealthyNode',
              message: 'test',
              lastTransitionTime: now,
            },
            {
              type: 'OwnerRemediated',
              status: 'False',
              reason: 'WaitingForRemediation',
              message: '',
              lastTransitionTime: now,
            },
          ],
        },
      },
    });

    const after = await eventually(
      'the unhealthy Machine replaced',
      async () => {
        const list = await controlPlaneMachines(h, ns);
        return list.length === 3 &&
          !list.some((m) => m.metadata.name === sickName) &&
          list.every((m) => m.status?.nodeRef)
          ? list
          : undefined;
      },
      TIMEOUT,
    );
    const replacement = after.find((m) => !before.some((b) => b.metadata.name === m.metadata.name))!;
    const data = JSON.parse(
      replacement.metadata.annotations?.['controlplane.cluster.x-k8s.io/remediation-for'] ?? '{}',
    ) as {
      machine?: string;
      retryCount?: number;
    };
    assert.deepEqual([data.machine, data.retryCount], [sickName, 0]);
    const kcp = await availableKcp(h, ns, `${name}-cp`, 3);
    assert.equal(
      kcp.metadata.annotations?.['controlplane.cluster.x-k8s.io/remediation-in-progress'],
      undefined,
      'the remediation completed with the replacement',
    );
    assert.deepEqual(
      (kcp.status as { lastRemediation?: { machine?: string } }).lastRemediation?.machine,
      sickName,
    );
    const nodes = after.map((m) => m.status!.nodeRef!.name).sort();
    assert.deepEqual(await etcdMemberNames(h, ns, name, nodes[0]!), nodes);
  });
  it('adopts a stand-alone control plane Machine with the Secrets its KubeadmConfig made', async () => {
    const h = harness();
    const ns = await h.namespace();
    const name = 'kcp4';
    // A first control plane Machine made by hand, with the KubeadmConfig KCP would have made and a Secret of it.
    const config = await h.client.create<Obj>({
      ...KUBEADM_CONFIG,
      metadata: { name: `${name}-cp-0`, namespace: ns },
      spec: {
        clusterConfiguration: {
          apiServer: { certSANs: ['localhost'] },
          featureGates: { ControlPlaneKubeletLocalMode: true },
        },
        initConfiguration: { nodeRegistration: { criSocket: 'unix:///var/run/containerd/containerd.sock' } },
      },
    });
    await h.client.create({
      ...SECRET,
      metadata: {
        name: `${name}-extra`,
        namespace: ns,
        labels: { 'cluster.x-k8s.io/cluster-name': name },
        ownerReferences: [
          {
            apiVersion: KUBEADM_CONFIG.apiVersion,
            kind: 'KubeadmConfig',
            name: `${name}-cp-0`,
            uid: config.metadata.uid!,
            controller: true,
          },
        ],
      },
      data: { note: Buffer.from('made for the first Machine').toString('base64') },
    });
    await h.client.create({
      ...MACHINE,
      // The cluster-name label is what the Machine webhook adds.
      metadata: {
        name: `${name}-cp-0`,
        namespace: ns,
        labels: { 'cluster.x-k8s.io/control-plane': '', 'cluster.x-k8s.io/cluster-name': name },
      },
      spec: {
        clusterName: name,
        version: 'v1.33.1',
        bootstrap: {
          configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: `${name}-cp-0` },
        },
        infrastructureRef: {
          apiGroup: 'infrastructure.cluster.x-k8s.io',
          kind: 'DevMachine',
          name: `${name}-cp-0`,
        },
      },
    });
    const step = { provisioning: { startupDuration: '0s' } };
    await h.client.create({
      ...DEV_MACHINE,
      metadata: { name: `${name}-cp-0`, namespace: ns },
      spec: { backend: { inMemory: { vm: step, node: step, etcd: step, apiServer: step } } },
    });
    await applyCluster(h, ns, name, 1);

    const kcp = await availableKcp(h, ns, `${name}-cp`, 1);
    assert.equal(condition(kcp, 'MachinesUpToDate')?.status, 'True');
    const all = await controlPlaneMachines(h, ns);
    assert.deepEqual(
      all.map((m) => m.metadata.name),
      [`${name}-cp-0`],
      'no Machine of its own: the existing one is adopted',
    );
    const adopted = all[0];
    // The Cluster's plain reference (the Machine controller's, for stand-alone Machines) stays.
    assert.deepEqual(
      adopted!.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller ?? false]),
      [
        ['Cluster', name, false],
        ['KubeadmControlPlane', `${name}-cp`, true],
      ],
    );
    // And kept in line like its own Machines.
    assert.equal(adopted!.metadata.annotations?.[HOOK], '');
    assert.equal(adopted!.metadata.labels?.['cluster.x-k8s.io/control-plane-name'], `${name}-cp`);
    assert.equal(adopted!.spec.readinessGates?.length, 6);
    const extra = await getObj(h, SECRET, ns, `${name}-extra`);
    assert.deepEqual(
      extra?.metadata.ownerReferences?.map((r) => [r.kind, r.name, r.controller]),
      [['KubeadmControlPlane', `${name}-cp`, true]],
      'the Secret the KubeadmConfig made belongs to the KCP now',
    );
  });
});
