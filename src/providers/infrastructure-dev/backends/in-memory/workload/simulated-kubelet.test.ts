import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MIRROR_POD_ANNOTATION, normalizeImage, SimulatedKubelet } from './simulated-kubelet.js';
import { scope, useTestCluster, waitFor } from './test-support.js';
import { setNodeReady } from './workload-simulation.js';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  lastTransitionTime?: string;
}

interface ContainerStatus {
  name: string;
  state: { running?: { startedAt: string }; terminated?: { exitCode: number; reason: string } };
  lastState: { terminated?: { exitCode: number; reason: string; containerID: string } };
  ready: boolean;
  started: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID: string;
}

interface PodStatus {
  phase?: string;
  conditions?: Condition[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  containerStatuses?: ContainerStatus[];
  initContainerStatuses?: ContainerStatus[];
  qosClass?: string;
}

describe('SimulatedKubelet', () => {
  const cluster = useTestCluster((server) => {
    const kubelet = new SimulatedKubelet(server.registry, server.catalog);
    kubelet.start();
    return kubelet;
  });
  const createNode = (name: string, address: string, podCIDR?: string) =>
    cluster.createNode(name, { address, podCIDR });
  const createPod = (name: string, spec: Record<string, unknown>, meta: Record<string, unknown> = {}) =>
    cluster.createPod(name, { terminationGracePeriodSeconds: 30, ...spec }, meta);
  const statusOf = (name: string): PodStatus => cluster.getPod(name)?.status ?? {};
  const condition = (name: string, type: string) => statusOf(name).conditions?.find((c) => c.type === type);
  const running = (name: string) =>
    statusOf(name).phase === 'Running' && condition(name, 'Ready')?.status === 'True';

  it('reports a bound pod on a Ready node as running: conditions, IPs, start time, container statuses', async () => {
    await createNode('worker-1', '172.18.0.5', '10.244.1.0/24');
    const pod = await createPod('web', {
      nodeName: 'worker-1',
      initContainers: [{ name: 'setup', image: 'busybox:1.36' }],
      containers: [
        { name: 'sidecar', image: 'registry.k8s.io/pause:3.10' },
        { name: 'app', image: 'nginx' },
      ],
    });
    await waitFor('web running', () => running('web'));

    const status = statusOf('web');
    assert.deepEqual(
      status.conditions?.map((c) => [c.type, c.status]),
      [
        ['PodReadyToStartContainers', 'True'],
        ['Initialized', 'True'],
        ['Ready', 'True'],
        ['ContainersReady', 'True'],
        ['PodScheduled', 'True'],
      ],
    );
    assert.equal(status.hostIP, '172.18.0.5');
    assert.deepEqual(status.hostIPs, [{ ip: '172.18.0.5' }]);
    assert.match(status.podIP ?? '', /^10\.244\.1\.\d+$/);
    assert.deepEqual(status.podIPs, [{ ip: status.podIP }]);
    assert.ok(status.startTime);
    assert.equal(status.qosClass, 'BestEffort', 'what the server set at creation stays');

    assert.deepEqual(
      status.containerStatuses?.map((c) => [c.name, c.image, c.ready, c.started, c.restartCount]),
      [
        ['app', 'docker.io/library/nginx:latest', true, true, 0],
        ['sidecar', 'registry.k8s.io/pause:3.10', true, true, 0],
      ],
      'sorted by name, images as containerd reports them',
    );
    const app = status.containerStatuses[0]!;
    assert.ok(app.state.running?.startedAt);
    assert.match(app.containerID, /^containerd:\/\/[0-9a-f]{64}$/);
    assert.match(app.imageID, /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    assert.notEqual(app.containerID, status.containerStatuses[1]!.containerID);
    const setup = status.initContainerStatuses?.[0];
    assert.equal(setup?.state.terminated?.exitCode, 0);
    assert.equal(setup?.state.terminated?.reason, 'Completed');

    // Nothing more is written once the pod runs: a change the kubelet does not care about is answered by
    // no write. The queue is processed in order, so once a later pod runs, the label change was handled.
    const labelled = await cluster.registry.patch(
      cluster.podDef,
      'default',
      'web',
      'merge',
      { metadata: { labels: { touched: 'yes' } } },
      scope,
    );
    await createPod('later', { nodeName: 'worker-1' });
    await waitFor('later running', () => running('later'));
    assert.equal(cluster.getPod('web')?.metadata?.resourceVersion, labelled.object.metadata?.resourceVersion);
    assert.equal(cluster.getPod('web')?.metadata?.uid, pod.metadata?.uid);
  });

  it('gives host-network pods the node IP and every other pod an address of its own', async () => {
    await createNode('worker-1', '172.18.0.5');
    await createNode('worker-2', '172.18.0.6', '10.244.2.0/24');
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const name of names) await createPod(name, { nodeName: 'worker-1' });
    await createPod('proxy', { nodeName: 'worker-1', hostNetwork: true });
    await createPod('other', { nodeName: 'worker-2' });
    await waitFor('all running', () => [...names, 'proxy', 'other'].every(running));

    assert.equal(statusOf('proxy').podIP, '172.18.0.5');
    const ips = names.map((n) => statusOf(n).podIP!);
    assert.equal(new Set(ips).size, ips.length, `unique addresses: ${ips.join(' ')}`);
    // Without a podCIDR, one /24 of 10.128.0.0/9 chosen by the node name.
    const prefixes = new Set(ips.map((ip) => ip.split('.').slice(0, 3).join('.')));
    assert.equal(prefixes.size, 1);
    assert.match(
      ips[0]!,
      /^10\.(1[3-9]\d|12[89]|2[0-4]\d|25[0-5])\.\d+\.([2-9]|\d\d|1\d\d|2[0-4]\d|25[0-4])$/,
    );
    assert.match(statusOf('other').podIP!, /^10\.244\.2\.\d+$/);
  });

  it('marks pods not Ready while their node is NotReady and Ready again when it recovers (mirror pods too)', async () => {
    await createNode('cp-1', '172.18.0.2');
    await createPod(
      'kube-apiserver-cp-1',
      { nodeName: 'cp-1', hostNetwork: true },
      {
        namespace: 'default',
        annotations: { [MIRROR_POD_ANNOTATION]: 'f1e2d3c4' },
      },
    );
    await createPod('app', { nodeName: 'cp-1' });
    await waitFor('both running', () => running('kube-apiserver-cp-1') && running('app'));
    const readySince = condition('app', 'Ready')!.lastTransitionTime;

    await setNodeReady(cluster.registry, cluster.catalog, 'cp-1', false);
    await waitFor('both not ready', () =>
      ['kube-apiserver-cp-1', 'app'].every((n) => condition(n, 'Ready')?.status === 'False'),
    );
    assert.equal(statusOf('app').phase, 'Running', 'only the Ready condition changes (MarkPodsNotReady)');
    assert.equal(condition('app', 'ContainersReady')?.status, 'True');
    assert.equal(condition('app', 'Ready')?.reason, undefined);

    await setNodeReady(cluster.registry, cluster.catalog, 'cp-1', true);
    await waitFor('both ready again', () => running('kube-apiserver-cp-1') && running('app'));
    assert.ok((condition('app', 'Ready')?.lastTransitionTime ?? '') >= (readySince ?? ''));
  });

  it('force-deletes the pods of a deleted node, terminating ones included', async () => {
    await createNode('worker-1', '172.18.0.5');
    await createNode('worker-2', '172.18.0.6');
    await createPod('doomed', { nodeName: 'worker-1' });
    await createPod('terminating', { nodeName: 'worker-1' });
    await createPod('survivor', { nodeName: 'worker-2' });
    await waitFor('all running', () => ['doomed', 'terminating', 'survivor'].every(running));
    const deleted = await cluster.registry.delete(cluster.podDef, 'default', 'terminating', {}, scope);
    assert.equal(deleted.deleted, false, 'a bound pod is deleted gracefully (30 s)');

    await cluster.registry.delete(cluster.nodeDef, undefined, 'worker-1', {}, scope);
    await waitFor(
      'the pods of worker-1 gone',
      () => !cluster.getPod('doomed') && !cluster.getPod('terminating'),
    );
    assert.ok(running('survivor'));
  });

  it('restarts a container whose image changed', async () => {
    await createNode('worker-1', '172.18.0.5');
    await createPod('web', { nodeName: 'worker-1', containers: [{ name: 'app', image: 'nginx:1.27' }] });
    await waitFor('web running', () => running('web'));
    const before = statusOf('web').containerStatuses![0]!;

    const pod = cluster.getPod('web')!;
    (pod.spec as { containers: { image: string }[] }).containers[0]!.image = 'nginx:1.28';
    await cluster.registry.update(cluster.podDef, 'default', 'web', pod, scope);
    const after = await waitFor('the new image running', () => {
      const c = statusOf('web').containerStatuses?.[0];
      return c?.image === 'docker.io/library/nginx:1.28' ? c : undefined;
    });
    assert.equal(after.restartCount, 1);
    assert.notEqual(after.containerID, before.containerID);
    assert.equal(after.lastState.terminated?.containerID, before.containerID);
    assert.equal(after.ready, true);
  });

  it('leaves pods of unknown nodes, pods of NotReady nodes and pods being deleted alone', async () => {
    await createNode('worker-1', '172.18.0.5');
    // A node that registered but never became Ready.
    await cluster.registry.create(cluster.nodeDef, undefined, { metadata: { name: 'booting' } }, scope);
    await createPod('ghost', { nodeName: 'no-such-node' });
    await createPod('waiting', { nodeName: 'booting' });
    await createPod('going', { nodeName: 'booting' });
    await cluster.registry.delete(cluster.podDef, 'default', 'going', {}, scope);
    // The queue runs in order: once this pod runs, the others were looked at.
    await createPod('marker', { nodeName: 'worker-1' });
    await waitFor('marker running', () => running('marker'));
    for (const name of ['ghost', 'waiting', 'going']) {
      assert.equal(statusOf(name).phase, 'Pending', name);
      assert.equal(statusOf(name).conditions, undefined, name);
    }

    // Once the node is Ready its pods start, except the one being deleted (the PodTerminator's).
    await setNodeReady(cluster.registry, cluster.catalog, 'booting', true);
    await waitFor('waiting running', () => running('waiting'));
    assert.ok(cluster.getPod('going')?.metadata?.deletionTimestamp);
    assert.equal(statusOf('going').phase, 'Pending');
    assert.equal(statusOf('going').conditions, undefined);
  });

  it('normalizes image references as containerd reports them', () => {
    assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
    assert.equal(normalizeImage('bitnami/redis:7'), 'docker.io/bitnami/redis:7');
    assert.equal(
      normalizeImage('registry.k8s.io/coredns/coredns:v1.11.3'),
      'registry.k8s.io/coredns/coredns:v1.11.3',
    );
    assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
    assert.equal(normalizeImage('nginx@sha256:abc'), 'docker.io/library/nginx@sha256:abc');
  });
});
