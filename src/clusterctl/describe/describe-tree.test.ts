import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { buildClusterTree, type DescribeNode } from './describe-tree.js';
import { renderClusterTree } from './render-tree.js';
import { cond, healthyCluster, machine, NOW, stuckMachineConditions } from './test-helpers.js';

const ESC = '\u001b';
const render = (tree: DescribeNode, color = false): string => renderClusterTree(tree, { color, now: NOW });
const lines = (text: string): string[] => text.trimEnd().split('\n');
/** The row whose NAME column contains `name` (the first one). */
const row = (text: string, name: string): string => {
  const found = lines(text).find((l) => l.includes(name));
  assert.ok(found, `no row for ${name} in\n${text}`);
  return found;
};
const cells = (line: string): string[] => line.replace(/^[│├└─ ]+/, '').split(/ {2,}/);

describe('describe cluster tree', () => {
  it('renders a healthy cluster (KCP of 3, MachineDeployment of 2) with identical Machines folded into one line', () => {
    const out = render(buildClusterTree(healthyCluster()));
    assert.equal(
      out,
      [
        'NAME                                                   REPLICAS  AVAILABLE  READY  UP TO DATE  STATUS  REASON     SINCE  MESSAGE',
        'Cluster/demo                                           5/5       5          5      5           True    Available  4m',
        '├─ClusterInfrastructure - DevCluster/demo                                                      True    Ready      15m',
        '├─ControlPlane - KubeadmControlPlane/demo-cp, v1.31.0  3/3       3          3      3           True    Available  8m',
        '│ └─3 Machines...                                                3          3      3           True    Ready      10m    See demo-cp-4fxgm, demo-cp-9zq2v, ...',
        '└─Workers',
        '  └─MachineDeployment/demo-md-0, v1.31.0               2/2       2          2      2           True    Available  4m',
        '    └─2 Machines...                                              2          2      2           True    Ready      10m    See demo-md-0-x7k2p-bq8wn, demo-md-0-x7k2p-lz5dd',
        '',
      ].join('\n'),
    );
  });

  it('shows every Machine on its own line with grouping=false, and MachineSets when asked', () => {
    const out = render(buildClusterTree(healthyCluster(), { grouping: false, showMachineSets: true }));
    assert.doesNotMatch(out, /Machines\.\.\./);
    for (const name of ['demo-cp-4fxgm', 'demo-cp-9zq2v', 'demo-cp-tt6rl', 'demo-md-0-x7k2p-bq8wn']) {
      assert.deepEqual(cells(row(out, `Machine/${name}`)).slice(1, 8), [
        '1',
        '1',
        '1',
        '1',
        'True',
        'Ready',
        '10m',
      ]);
    }
    assert.match(out, /│ └─Machine\/demo-cp-tt6rl, v1\.31\.0 /);
    assert.match(out, /\n {4}└─MachineSet\/demo-md-0-x7k2p, v1\.31\.0 +2\/2 +2 +2 +2\n/);
    assert.match(out, /\n {6}└─Machine\/demo-md-0-x7k2p-lz5dd, v1\.31\.0 /);
  });

  it("lists the ClusterResourceSets of the Cluster's binding under their own heading with --show-resourcesets", () => {
    const binding = {
      apiVersion: 'addons.cluster.x-k8s.io/v1beta2',
      kind: 'ClusterResourceSetBinding',
      metadata: { name: 'demo', namespace: 'default' },
      spec: {
        clusterName: 'demo',
        bindings: [{ clusterResourceSetName: 'cni' }, { clusterResourceSetName: 'csi', resources: [] }],
      },
    };
    const objects = { ...healthyCluster(), resourceSetBinding: binding };
    assert.doesNotMatch(render(buildClusterTree(objects)), /ClusterResourceSet/, 'only when asked');
    const out = render(buildClusterTree(objects, { showResourceSets: true }));
    const lines = out.split('\n').map((l) => l.trimEnd());
    const at = lines.findIndex((l) => l.startsWith('├─ClusterResourceSets'));
    assert.ok(at > 0, out);
    assert.match(
      lines[at - 1]!,
      /^├─ClusterInfrastructure - DevCluster\/demo /,
      'right after the infrastructure',
    );
    assert.equal(lines[at + 1], '│ ├─ClusterResourceSet/cni');
    assert.equal(lines[at + 2], '│ └─ClusterResourceSet/csi');
    assert.match(lines[at + 3]!, /^├─ControlPlane - /);
    assert.doesNotMatch(
      render(buildClusterTree(healthyCluster(), { showResourceSets: true })),
      /ClusterResourceSets/,
    );
  });

  it('keeps a stuck Machine on its own line with its reason and multi-line message', () => {
    const objects = healthyCluster(({ machines }) => {
      machines[4]!.machine.status = { conditions: stuckMachineConditions() };
    });
    const out = render(buildClusterTree(objects));
    const stuck = row(out, 'Machine/demo-md-0-x7k2p-lz5dd');
    assert.deepEqual(cells(stuck).slice(1), [
      '1',
      '0',
      '0',
      '1',
      'False',
      'NotReady',
      '95s',
      '* InfrastructureReady: VM is starting',
    ]);
    // The second line of the message continues under MESSAGE, the tree line carried on the left.
    const next = lines(out)[lines(out).indexOf(stuck) + 1]!;
    assert.match(next, /^ {4} {2}\s+\* NodeHealthy: Waiting for a Node with spec\.providerID/);
    assert.equal(next.indexOf('* NodeHealthy'), stuck.indexOf('* InfrastructureReady'));
    // Its healthy sibling is not folded with it.
    assert.match(out, /Machine\/demo-md-0-x7k2p-bq8wn, v1\.31\.0 +1 +1 +1 +1 +True +Ready/);
    assert.doesNotMatch(out, /2 Machines/);
  });

  it('shows an infrastructure machine whose Ready says something its Machine does not, and hides echoes', () => {
    const objects = healthyCluster(({ machines }) => {
      const m = machines[1]!;
      m.machine.status = {
        conditions: [
          cond('Ready', 'False', 'NotReady', {
            ageSeconds: 40,
            message: '* InfrastructureReady: VM is starting',
          }),
        ],
      };
      m.infra.status = {
        conditions: [
          cond('Ready', 'False', 'WaitingForStartupTimeout', { ageSeconds: 40, message: 'VM is starting' }),
        ],
      };
      // Same status and reason as its Machine: an echo.
      m.bootstrap.status = { conditions: [cond('Ready', 'False', 'NotReady', { ageSeconds: 41 })] };
    });
    const out = render(buildClusterTree(objects));
    assert.match(out, /│ ├─2 Machines\.\.\. .* See demo-cp-4fxgm, demo-cp-tt6rl\n/);
    assert.match(
      out,
      /│ └─Machine\/demo-cp-9zq2v, v1\.31\.0 .* False +NotReady +40s +\* InfrastructureReady: VM is starting\n/,
    );
    assert.match(
      out,
      /│ {3}└─MachineInfrastructure - DevMachine\/demo-cp-9zq2v +False +WaitingForStartupTimeout +40s +VM is starting\n/,
    );
    assert.doesNotMatch(out, /KubeadmConfig/);

    const echoed = render(buildClusterTree(objects, { echo: true }));
    assert.match(echoed, /BootstrapConfig - KubeadmConfig\/demo-cp-9zq2v +False +NotReady +41s/);
    assert.match(echoed, /BootstrapConfig - KubeadmConfig\/demo-cp-4fxgm +True +Ready +10m/);
    assert.match(echoed, /MachineInfrastructure - DevMachine\/demo-md-0-x7k2p-bq8wn +True +Ready/);
  });

  it('adds one row per condition with --show-conditions all, and only for the kinds named otherwise', () => {
    const all = render(buildClusterTree(healthyCluster(), { showConditions: 'all' }));
    assert.match(all, /^Cluster\/demo +5\/5 +5 +5 +5\n│ {11}├─Available +True +Available +4m\n/m);
    assert.match(all, /│ {11}├─ScalingUp +False +NotScalingUp +4m\n/);
    assert.match(all, /│ {11}└─Paused +False +NotPaused +15m\n/);
    assert.match(all, /├─ClusterInfrastructure - DevCluster\/demo\n│ {13}└─Ready +True +Ready +15m\n/);
    // Every Machine shows its conditions, so none is folded away.
    assert.doesNotMatch(all, /Machines\.\.\./);
    assert.match(all, /Machine\/demo-md-0-x7k2p-lz5dd, v1\.31\.0 +1 +1 +1 +1\n/);

    const kcpOnly = render(buildClusterTree(healthyCluster(), { showConditions: 'KubeadmControlPlane' }));
    assert.match(
      kcpOnly,
      /ControlPlane - KubeadmControlPlane\/demo-cp, v1\.31\.0 +3\/3 +3 +3 +3\n│ │ {10} ├─Available/,
    );
    assert.match(kcpOnly, /└─EtcdClusterHealthy +True +Healthy +8m\n│ └─3 Machines\.\.\./);
    assert.match(kcpOnly, /^Cluster\/demo .* True +Available +4m$/m);

    const oneMachine = buildClusterTree(healthyCluster(), { showConditions: 'machine/demo-cp-9zq2v+' });
    const cp = oneMachine.children[1]!;
    assert.deepEqual(
      cp.children.map((n) => n.displayName),
      ['2 Machines...', 'Machine/demo-cp-9zq2v, v1.31.0'],
    );
    // `+`: only conditions with something to say, plus Available and Ready.
    assert.deepEqual(
      cp.children[1]!.conditions?.map((c) => c.type),
      ['Available', 'Ready'],
    );
  });

  it('colours True green, False red and Unknown yellow, and writes no escape codes without colour', () => {
    const objects = healthyCluster(({ machines, extra }) => {
      machines[4]!.machine.status = { conditions: stuckMachineConditions() };
      extra[0]!.status = { conditions: [cond('Ready', 'Unknown', 'ReadyUnknown', { ageSeconds: 5 })] };
    });
    const tree = buildClusterTree(objects, { showConditions: 'Cluster' });
    const colored = render(tree, true);
    const paint = (code: number, text: string): string => `${ESC}[${code}m${text}${ESC}[39m`;
    // STATUS of a row without a message: third cell from the end (then REASON, SINCE).
    const colouredStatus = (name: string): string | undefined => row(colored, name).split(/ {2,}/).at(-3);
    assert.equal(colouredStatus(`${ESC}[36mAvailable`), paint(32, 'True'));
    assert.equal(colouredStatus('DevCluster/demo'), paint(33, 'Unknown'));
    assert.ok(row(colored, 'Machine/demo-md-0-x7k2p-lz5dd').includes(paint(31, 'False')));
    // ScalingUp is good news when False: green.
    assert.ok(row(colored, 'ScalingUp').includes(paint(32, 'False')));
    const plain = render(tree, false);
    assert.ok(!plain.includes(ESC));
    // Same layout either way.
    assert.equal(plain, stripVTControlCharacters(colored));
  });

  it('shows a referenced object that does not exist as missing instead of failing', () => {
    const objects = healthyCluster();
    objects.referenced = objects.referenced!.filter((o) => o.kind !== 'DevCluster');
    objects.unresolved = [
      {
        ref: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevCluster', name: 'demo' },
        reason:
          'no CustomResourceDefinition devclusters.infrastructure.cluster.x-k8s.io: is its provider installed?',
      },
    ];
    const out = render(buildClusterTree(objects));
    assert.match(
      out,
      /├─ClusterInfrastructure - DevCluster\/demo +NotFound +no CustomResourceDefinition devclusters\.infrastructure\.cluster\.x-k8s\.io: is its provider installed\?\n/,
    );

    const noReason = healthyCluster();
    noReason.referenced = noReason.referenced!.filter(
      (o) => !(o.kind === 'DevMachine' && o.metadata.name === 'demo-cp-4fxgm'),
    );
    const tree = buildClusterTree(noReason);
    const cp = tree.children[1]!;
    const lone = cp.children.find((n) => n.name === 'demo-cp-4fxgm');
    assert.ok(lone, 'the Machine with a dangling reference keeps its own row');
    assert.deepEqual(
      lone.children.map((n) => [n.type, n.displayName, n.note]),
      [
        [
          'missing',
          'MachineInfrastructure - DevMachine/demo-cp-4fxgm',
          'DevMachine "demo-cp-4fxgm" not found',
        ],
      ],
    );
    assert.match(
      render(tree),
      /│ {3}└─MachineInfrastructure - DevMachine\/demo-cp-4fxgm +NotFound +DevMachine "demo-cp-4fxgm" not found\n/,
    );
  });

  it('puts MachinePools and Machines nothing owns under Workers, and marks objects being deleted', () => {
    const objects = healthyCluster(({ machines }) => {
      const m = machines[0]!.machine;
      m.metadata = { ...m.metadata, deletionTimestamp: '2026-03-01T11:59:00Z' };
    });
    const orphan = machine('demo-lonely', { owner: { kind: 'Nothing', name: 'x' } });
    orphan.machine.metadata.ownerReferences = [];
    const pool: KubeObject = {
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'MachinePool',
      metadata: { name: 'demo-mp-0', namespace: 'default', uid: 'uid-demo-mp-0' },
      spec: { replicas: 1, template: { spec: { version: 'v1.31.0' } } },
      status: { replicas: 0, conditions: [cond('Ready', 'False', 'NotReady', { ageSeconds: 30 })] },
    };
    objects.machines = [...objects.machines!, orphan.machine];
    objects.machinePools = [pool];
    objects.referenced = [...objects.referenced!, orphan.infra, orphan.bootstrap];
    const out = render(buildClusterTree(objects));
    assert.match(out, /├─MachinePool\/demo-mp-0, v1\.31\.0 +0\/1 +False +NotReady +30s\n/);
    assert.match(out, /└─Other\n {4}└─Machine\/demo-lonely, v1\.31\.0 +1 +1 +1 +1 +True +Ready/);
    assert.match(
      out,
      /│ ├─2 Machines\.\.\. .* See demo-cp-9zq2v, demo-cp-tt6rl\n│ └─!! DELETED !! Machine\/demo-cp-4fxgm, v1\.31\.0 /,
    );
  });
});
