import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../../../../apiserver/registry/resource-definition.js';
import {
  daemonPodTolerations,
  DaemonSetLabels,
  type DaemonSetStatus,
  nodeShouldRunDaemonPod,
} from './daemon-set-controller.js';
import { isPodReady } from './pod-helpers.js';
import { scope, useTestCluster, waitFor } from './test-support.js';
import { setNodeReady, startWorkloadSimulation } from './workload-simulation.js';

describe('SimulatedDaemonSetController', () => {
  const cluster = useTestCluster((server) => startWorkloadSimulation(server.registry, server.catalog));
  const dsDef = () => cluster.def('apps', 'v1', 'daemonsets');

  const createDaemonSet = (name: string, image: string, extra: Record<string, unknown> = {}) =>
    cluster.registry.create(
      dsDef(),
      'kube-system',
      {
        metadata: { name },
        spec: {
          selector: { matchLabels: { 'k8s-app': name } },
          template: {
            metadata: { labels: { 'k8s-app': name } },
            spec: { containers: [{ name, image }], terminationGracePeriodSeconds: 1, ...extra },
          },
        },
      },
      scope,
    );
  const daemonPods = (name: string): KubeObject[] =>
    cluster
      .storedPods('kube-system')
      .filter((p) => p.metadata?.ownerReferences?.some((r) => r.kind === 'DaemonSet' && r.name === name));
  const nodesOf = (pods: KubeObject[]) => pods.map((p) => (p.spec as { nodeName: string }).nodeName).sort();
  const statusOf = (name: string) =>
    (cluster.registry.tryGet(dsDef(), 'kube-system', name)?.status ?? {}) as DaemonSetStatus;

  it('runs one pod per node the template fits, cordoned and NotReady nodes included, and follows nodes', async () => {
    await cluster.createNode('cp-1', {
      taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }],
    });
    await cluster.createNode('worker-1');
    await cluster.createNode('worker-2');
    await cluster.patchNode('worker-2', { spec: { unschedulable: true } });
    await setNodeReady(cluster.registry, cluster.catalog, 'worker-2', false);
    const ds = await createDaemonSet('kube-proxy', 'registry.k8s.io/kube-proxy:v1.32.0', {
      hostNetwork: true,
    });

    await waitFor('pods on both workers', () => {
      const pods = daemonPods('kube-proxy');
      return pods.length === 2 && nodesOf(pods).join() === 'worker-1,worker-2';
    });
    const pod = daemonPods('kube-proxy').find(
      (p) => (p.spec as { nodeName: string }).nodeName === 'worker-1',
    )!;
    assert.match(pod.metadata!.name!, /^kube-proxy-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.deepEqual(pod.metadata?.ownerReferences, [
      {
        apiVersion: 'apps/v1',
        kind: 'DaemonSet',
        name: 'kube-proxy',
        uid: ds.metadata!.uid!,
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    assert.equal(pod.metadata?.labels?.['k8s-app'], 'kube-proxy');
    assert.match(pod.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] ?? '', /^[a-z0-9]{6,10}$/);
    assert.equal(pod.metadata?.labels?.[DaemonSetLabels.podTemplateGeneration], '1');
    const spec = pod.spec as { tolerations: { key: string }[]; affinity: unknown };
    assert.deepEqual(
      spec.tolerations.map((t) => t.key),
      [
        'node.kubernetes.io/not-ready',
        'node.kubernetes.io/unreachable',
        'node.kubernetes.io/disk-pressure',
        'node.kubernetes.io/memory-pressure',
        'node.kubernetes.io/pid-pressure',
        'node.kubernetes.io/unschedulable',
        'node.kubernetes.io/network-unavailable',
      ],
    );
    assert.deepEqual(spec.affinity, {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['worker-1'] }] },
          ],
        },
      },
    });

    // worker-2 is NotReady: its pod is scheduled but not running, so not ready.
    await waitFor('status', () => {
      const s = statusOf('kube-proxy');
      return s.desiredNumberScheduled === 2 && s.currentNumberScheduled === 2 && s.numberReady === 1
        ? s
        : undefined;
    });
    assert.deepEqual(statusOf('kube-proxy'), {
      currentNumberScheduled: 2,
      numberMisscheduled: 0,
      desiredNumberScheduled: 2,
      numberReady: 1,
      observedGeneration: 1,
      updatedNumberScheduled: 2,
      numberAvailable: 1,
      numberUnavailable: 1,
    });

    // A node joins, one loses its taint's toleration target (the control plane is untainted), one goes away.
    await cluster.createNode('worker-3');
    await cluster.patchNode('cp-1', { spec: { taints: null } });
    await cluster.registry.delete(cluster.nodeDef, undefined, 'worker-1', {}, scope);
    await setNodeReady(cluster.registry, cluster.catalog, 'worker-2', true);
    await waitFor(
      'pods follow the nodes',
      () => nodesOf(daemonPods('kube-proxy')).join() === 'cp-1,worker-2,worker-3',
    );
    await waitFor('all ready', () => {
      const s = statusOf('kube-proxy');
      return s.desiredNumberScheduled === 3 && s.numberReady === 3 && s.numberAvailable === 3;
    });
    assert.equal(statusOf('kube-proxy').numberUnavailable, undefined);

    // A NoExecute taint the pods do not tolerate evicts them; the node counts as not desired.
    await cluster.patchNode('worker-3', { spec: { taints: [{ key: 'maintenance', effect: 'NoExecute' }] } });
    await waitFor('worker-3 pod gone', () => nodesOf(daemonPods('kube-proxy')).join() === 'cp-1,worker-2');
    await waitFor('desired 2', () => statusOf('kube-proxy').desiredNumberScheduled === 2);
  });

  it('replaces out-of-date pods on a template change, and keeps its hands off with OnDelete', async () => {
    for (const name of ['node-1', 'node-2', 'node-3']) await cluster.createNode(name);
    await createDaemonSet('agent', 'example.com/agent:1');
    await waitFor('three ready pods', () => daemonPods('agent').filter(isPodReady).length === 3);
    const oldHash = daemonPods('agent')[0]!.metadata!.labels![DaemonSetLabels.controllerRevisionHash];

    const setImage = (image: string, extra: Record<string, unknown> = {}) =>
      cluster.registry.patch(
        dsDef(),
        'kube-system',
        'agent',
        'merge',
        { spec: { ...extra, template: { spec: { containers: [{ name: 'agent', image }] } } } },
        scope,
      );
    await setImage('example.com/agent:2');

    await waitFor('all pods replaced', () => {
      const pods = daemonPods('agent').filter((p) => !p.metadata?.deletionTimestamp);
      return (
        pods.length === 3 &&
        pods.every(
          (p) =>
            isPodReady(p) &&
            p.metadata?.labels?.[DaemonSetLabels.controllerRevisionHash] !== oldHash &&
            p.metadata?.labels?.[DaemonSetLabels.podTemplateGeneration] === '2',
        )
      );
    });
    await waitFor('status updated', () => {
      const s = statusOf('agent');
      return s.observedGeneration === 2 && s.updatedNumberScheduled === 3 && s.numberAvailable === 3;
    });

    // OnDelete: a template change alone replaces nothing.
    await setImage('example.com/agent:3', { updateStrategy: { type: 'OnDelete', rollingUpdate: null } });
    await waitFor('status observed', () => statusOf('agent').observedGeneration === 3);
    assert.equal(statusOf('agent').updatedNumberScheduled, undefined, 'no pod runs the new template');
    assert.equal(daemonPods('agent').length, 3);
    assert.ok(daemonPods('agent').every((p) => !p.metadata?.deletionTimestamp));
  });

  it('decides per node like NodeShouldRunDaemonPod', () => {
    const spec = { nodeSelector: { role: 'edge' }, tolerations: daemonPodTolerations({}) };
    const node = (taints: { key: string; effect: string }[], labels = { role: 'edge' }) => ({
      name: 'n',
      labels,
      taints,
    });
    assert.deepEqual(nodeShouldRunDaemonPod(spec, node([])), {
      shouldRun: true,
      shouldContinueRunning: true,
    });
    assert.deepEqual(nodeShouldRunDaemonPod(spec, node([], { role: 'core' })), {
      shouldRun: false,
      shouldContinueRunning: false,
    });
    assert.deepEqual(
      nodeShouldRunDaemonPod(spec, node([{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }])),
      {
        shouldRun: true,
        shouldContinueRunning: true,
      },
    );
    assert.deepEqual(nodeShouldRunDaemonPod(spec, node([{ key: 'dedicated', effect: 'NoSchedule' }])), {
      shouldRun: false,
      shouldContinueRunning: true,
    });
    assert.deepEqual(nodeShouldRunDaemonPod(spec, node([{ key: 'dedicated', effect: 'NoExecute' }])), {
      shouldRun: false,
      shouldContinueRunning: false,
    });
  });
});
