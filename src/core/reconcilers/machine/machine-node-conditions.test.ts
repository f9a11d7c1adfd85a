import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { machineNodeConditions, type NodeObservation, nodeConditions } from './machine-node-conditions.js';
import type { Node } from './machine-node.js';

const T0 = Date.parse('2030-01-01T00:00:00Z');
const MIN = 60_000;

const cluster = (cpInitializedAt = '2029-12-31T00:00:00Z'): NodeObservation['cluster'] => ({
  status: {
    initialization: { infrastructureProvisioned: true },
    conditions: [
      {
        type: 'ControlPlaneInitialized',
        status: 'True',
        reason: 'Initialized',
        message: '',
        lastTransitionTime: cpInitializedAt,
      },
    ],
  },
});

const readyMachine = (): NodeObservation['machine'] => ({
  spec: { providerID: 'p://m' } as NodeObservation['machine']['spec'],
  status: {
    nodeRef: { name: 'n' },
    conditions: [
      {
        type: 'NodeReady',
        status: 'True',
        reason: 'NodeReady',
        message: '',
        lastTransitionTime: '2029-12-31T00:00:00Z',
      },
      {
        type: 'NodeHealthy',
        status: 'True',
        reason: 'NodeHealthy',
        message: '',
        lastTransitionTime: '2029-12-31T00:00:00Z',
      },
    ],
  },
});

const observe = (o: Partial<NodeObservation>): NodeObservation => ({
  machine: readyMachine(),
  cluster: cluster(),
  infrastructureKind: 'DevMachine',
  health: { lastProbeSuccessTime: T0, consecutiveFailures: 0 },
  remoteConditionsGracePeriodMs: 5 * MIN,
  now: T0,
  ...o,
});

const summary = (conditions: ReturnType<typeof machineNodeConditions>) =>
  conditions?.map((c) => [c.type, c.status, c.reason, c.message ?? '']);

describe('machineNodeConditions: connection to the workload cluster', () => {
  it('keeps the last known conditions while not connected within the grace period', () => {
    const lost = observe({
      nodeReadFailure: 'notConnected',
      health: { lastProbeSuccessTime: T0, consecutiveFailures: 3 },
      now: T0 + 4 * MIN,
    });
    assert.equal(machineNodeConditions(lost), undefined);
  });

  it('turns both Unknown/ConnectionDown once the last successful probe is older than the grace period', () => {
    const lost = observe({
      nodeReadFailure: 'notConnected',
      health: { lastProbeSuccessTime: T0, consecutiveFailures: 30 },
      now: T0 + 5 * MIN + 1,
    });
    assert.deepEqual(summary(machineNodeConditions(lost)), [
      ['NodeReady', 'Unknown', 'ConnectionDown', 'Last successful probe at 2030-01-01T00:00:00Z'],
      ['NodeHealthy', 'Unknown', 'ConnectionDown', 'Last successful probe at 2030-01-01T00:00:00Z'],
    ]);
  });

  it('counts the grace period from the control plane initialization when that is later', () => {
    const o = observe({
      cluster: cluster('2030-01-01T00:03:00Z'),
      nodeReadFailure: 'notConnected',
      health: { lastProbeSuccessTime: T0, consecutiveFailures: 30 },
      now: T0 + 6 * MIN,
    });
    assert.equal(machineNodeConditions(o), undefined);
  });

  it('says ConnectionDown at once when there is nothing to keep', () => {
    const fresh = observe({
      machine: { spec: { providerID: 'p://m' } as NodeObservation['machine']['spec'] },
      nodeReadFailure: 'notConnected',
      health: { consecutiveFailures: 1 },
    });
    assert.deepEqual(summary(machineNodeConditions(fresh))?.[0], [
      'NodeReady',
      'Unknown',
      'ConnectionDown',
      'Remote connection not established yet',
    ]);
  });

  it('waits for the Cluster infrastructure and control plane before looking for Nodes', () => {
    assert.equal(
      machineNodeConditions(observe({ cluster: { status: {} } }))?.[0]?.message,
      'Waiting for Cluster status.initialization.infrastructureProvisioned to be true',
    );
    assert.equal(
      machineNodeConditions(
        observe({ cluster: { status: { initialization: { infrastructureProvisioned: true } } } }),
      )?.[1]?.message,
      'Waiting for Cluster control plane to be initialized',
    );
  });

  it('reports a Node that went away, and one that is still awaited', () => {
    assert.deepEqual(summary(machineNodeConditions(observe({})))?.[1], [
      'NodeHealthy',
      'False',
      'NodeDeleted',
      'Node n has been deleted while the Machine still exists',
    ]);
    const waiting = observe({
      machine: { spec: { providerID: 'p://m' } as NodeObservation['machine']['spec'] },
    });
    assert.equal(
      machineNodeConditions(waiting)?.[0]?.message,
      'Waiting for a Node with spec.providerID p://m to exist',
    );
    const noProvider = observe({ machine: { spec: {} as NodeObservation['machine']['spec'] } });
    assert.equal(
      machineNodeConditions(noProvider)?.[0]?.message,
      'Waiting for DevMachine to report spec.providerID',
    );
  });
});

describe('nodeConditions: what the Node says', () => {
  const node = (conditions: { type: string; status: string; message?: string }[]): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    status: { conditions: conditions.map((c) => ({ lastTransitionTime: '2030-01-01T00:00:00Z', ...c })) },
  });
  const healthy = [
    { type: 'Ready', status: 'True' },
    { type: 'MemoryPressure', status: 'False' },
    { type: 'DiskPressure', status: 'False' },
    { type: 'PIDPressure', status: 'False' },
  ];

  it('is Ready and Healthy when the kubelet says so, with the Node transition time', () => {
    const [ready, health] = nodeConditions(node(healthy));
    assert.deepEqual(
      [ready?.status, ready?.reason, ready?.lastTransitionTime],
      ['True', 'NodeReady', '2030-01-01T00:00:00Z'],
    );
    assert.deepEqual([health?.status, health?.reason, health?.message], ['True', 'NodeHealthy', '']);
  });

  it('lists conditions not yet reported as unknown', () => {
    const [, health] = nodeConditions(node([{ type: 'Ready', status: 'True' }]));
    assert.deepEqual([health?.status, health?.reason], ['Unknown', 'NodeHealthyUnknown']);
    assert.equal(
      health?.message,
      '* Node.MemoryPressure: Condition not yet reported\n* Node.DiskPressure: Condition not yet reported\n* Node.PIDPressure: Condition not yet reported',
    );
  });

  it('says one message once when every reported issue says the same', () => {
    const [ready, health] = nodeConditions(
      node([
        { type: 'Ready', status: 'Unknown', message: 'Kubelet stopped posting node status.' },
        { type: 'MemoryPressure', status: 'Unknown', message: 'Kubelet stopped posting node status.' },
        { type: 'DiskPressure', status: 'Unknown', message: 'Kubelet stopped posting node status.' },
        { type: 'PIDPressure', status: 'Unknown', message: 'Kubelet stopped posting node status.' },
      ]),
    );
    assert.deepEqual(
      [ready?.status, ready?.reason, ready?.message],
      ['Unknown', 'NodeReadyUnknown', '* Node.Ready: Kubelet stopped posting node status.'],
    );
    assert.equal(health?.message, '* Node.AllConditions: Kubelet stopped posting node status.');
  });

  it('is not healthy under pressure, naming the condition', () => {
    const [, health] = nodeConditions(
      node([...healthy.filter((c) => c.type !== 'DiskPressure'), { type: 'DiskPressure', status: 'True' }]),
    );
    assert.deepEqual(
      [health?.status, health?.reason, health?.message],
      ['False', 'NodeNotHealthy', '* Node.DiskPressure: Condition is True'],
    );
  });
});
