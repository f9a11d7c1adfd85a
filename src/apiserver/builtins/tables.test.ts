import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject, ResourceDefinition } from '../registry/resource-definition.js';
import { builtinResources } from './builtin-resources.js';
import { customResourceDefinitionDefinition } from './custom-resource-definition.js';
import { daemonSetDefinition } from './daemon-set.js';
import { deploymentDefinition } from './deployment.js';
import { humanDuration } from '../query/human-duration.js';
import { leaseDefinition } from './lease.js';
import { nodeDefinition } from './node.js';
import { podDisruptionBudgetDefinition } from './pod-disruption-budget.js';
import { clusterRoleBindingDefinition, roleDefinition } from './rbac.js';
import { serviceAccountDefinition } from './service-account.js';
import { serviceDefinition } from './service.js';

const created = '2024-05-01T10:00:00Z';
const now = new Date('2024-05-01T12:00:00Z');
const meta = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  creationTimestamp: created,
  ...extra,
});

function row(def: ResourceDefinition, obj: KubeObject): Record<string, unknown> {
  const table = def.table;
  assert.ok(table, `${def.kind} has a table`);
  const cells = table.cells(obj, now);
  assert.equal(cells.length, table.columns.length, `${def.kind}: one cell per column`);
  return Object.fromEntries(table.columns.map((c, i) => [c.name, cells[i]]));
}

describe('table printers', () => {
  it('Lease: NAME HOLDER AGE', () => {
    assert.deepEqual(
      row(leaseDefinition, { metadata: meta('capi-leader'), spec: { holderIdentity: 'pod-1_abc' } }),
      {
        Name: 'capi-leader',
        Holder: 'pod-1_abc',
        Age: created,
      },
    );
  });

  it('Node: NAME STATUS ROLES AGE VERSION (+ wide)', () => {
    const node = {
      metadata: meta('cp-1', { labels: { 'node-role.kubernetes.io/control-plane': '' } }),
      spec: { unschedulable: true },
      status: {
        conditions: [{ type: 'Ready', status: 'True' }],
        addresses: [{ type: 'InternalIP', address: '10.0.0.2' }],
        nodeInfo: {
          kubeletVersion: 'v1.32.0',
          osImage: 'Ubuntu',
          kernelVersion: '6.1',
          containerRuntimeVersion: 'containerd://1.7',
        },
      },
    };
    assert.deepEqual(row(nodeDefinition, node), {
      Name: 'cp-1',
      Status: 'Ready,SchedulingDisabled',
      Roles: 'control-plane',
      Age: created,
      Version: 'v1.32.0',
      'Internal-IP': '10.0.0.2',
      'External-IP': '<none>',
      'OS-Image': 'Ubuntu',
      'Kernel-Version': '6.1',
      'Container-Runtime': 'containerd://1.7',
    });
    assert.equal(row(nodeDefinition, { metadata: meta('w') }).Status, 'Unknown');
  });

  it('Deployment: NAME READY UP-TO-DATE AVAILABLE AGE (+ wide)', () => {
    const d = {
      metadata: meta('web'),
      spec: {
        replicas: 3,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }],
        },
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'nginx' },
              { name: 'log', image: 'fluent' },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    assert.deepEqual(row(deploymentDefinition, d), {
      Name: 'web',
      Ready: '2/3',
      'Up-to-date': 3,
      Available: 2,
      Age: created,
      Containers: 'app,log',
      Images: 'nginx,fluent',
      Selector: 'app=web,tier in (a,b)',
    });
  });

  it('DaemonSet: counts and node selector', () => {
    const ds = {
      metadata: meta('agent'),
      spec: {
        selector: { matchLabels: { app: 'agent' } },
        template: { spec: { nodeSelector: { os: 'linux' }, containers: [] } },
      },
      status: {
        desiredNumberScheduled: 3,
        currentNumberScheduled: 3,
        numberReady: 2,
        updatedNumberScheduled: 3,
        numberAvailable: 2,
      },
    };
    const r = row(daemonSetDefinition, ds);
    assert.deepEqual([r.Desired, r.Current, r.Ready, r['Up-to-date'], r.Available], [3, 3, 2, 3, 2]);
    assert.equal(r['Node Selector'], 'os=linux');
    assert.equal(r.Selector, 'app=agent');
  });

  it('Service: NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE', () => {
    const svc = {
      metadata: meta('web'),
      spec: {
        type: 'NodePort',
        clusterIPs: ['10.96.3.4'],
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { app: 'web' },
      },
    };
    assert.deepEqual(row(serviceDefinition, svc), {
      Name: 'web',
      Type: 'NodePort',
      'Cluster-IP': '10.96.3.4',
      'External-IP': '<none>',
      'Port(s)': '80:30080/TCP,53/UDP',
      Age: created,
      Selector: 'app=web',
    });
    const lb = {
      metadata: meta('lb'),
      spec: { type: 'LoadBalancer', ports: [] },
      status: { loadBalancer: {} },
    };
    assert.equal(row(serviceDefinition, lb)['External-IP'], '<pending>');
    assert.equal(row(serviceDefinition, lb)['Cluster-IP'], '<none>');
  });

  it('PodDisruptionBudget: MIN AVAILABLE MAX UNAVAILABLE ALLOWED DISRUPTIONS', () => {
    const pdb = { metadata: meta('web'), spec: { minAvailable: '50%' }, status: { disruptionsAllowed: 1 } };
    assert.deepEqual(row(podDisruptionBudgetDefinition, pdb), {
      Name: 'web',
      'Min Available': '50%',
      'Max Unavailable': 'N/A',
      'Allowed Disruptions': 1,
      Age: created,
    });
  });

  it('ServiceAccount: NAME SECRETS AGE', () => {
    assert.deepEqual(
      row(serviceAccountDefinition, { metadata: meta('default'), secrets: [{ name: 'tok' }] }),
      {
        Name: 'default',
        Secrets: 1,
        Age: created,
      },
    );
  });

  it('bindings: NAME ROLE AGE (+ subjects)', () => {
    const crb = {
      metadata: meta('admins'),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'ops' },
        { kind: 'ServiceAccount', namespace: 'kube-system', name: 'ctrl' },
      ],
    };
    assert.deepEqual(row(clusterRoleBindingDefinition, crb), {
      Name: 'admins',
      Role: 'ClusterRole/cluster-admin',
      Age: created,
      Users: 'alice',
      Groups: 'ops',
      ServiceAccounts: 'kube-system/ctrl',
    });
  });

  it('roles and CRDs: NAME CREATED AT (the timestamp itself)', () => {
    for (const def of [roleDefinition, customResourceDefinitionDefinition]) {
      assert.deepEqual(row(def, { metadata: meta('x') }), { Name: 'x', 'Created At': created });
    }
  });

  it('every printer has one name column and AGE-like columns typed date', () => {
    for (const def of builtinResources) {
      if (!def.table) continue;
      assert.equal(def.table.columns.filter((c) => c.format === 'name').length, 1, def.kind);
      for (const c of def.table.columns) {
        if (['Age', 'Last Seen', 'First Seen'].includes(c.name))
          assert.equal(c.type, 'date', `${def.kind} ${c.name}`);
      }
    }
  });
});

describe('humanDuration', () => {
  it('matches apimachinery HumanDuration', () => {
    const s = 1000;
    assert.equal(humanDuration(-3 * s), '<invalid>');
    assert.equal(humanDuration(-1 * s), '0s');
    assert.equal(humanDuration(90 * s), '90s');
    assert.equal(humanDuration(150 * s), '2m30s');
    assert.equal(humanDuration(600 * s), '10m');
    assert.equal(humanDuration(3 * 3600 * s + 20 * 60 * s), '3h20m');
    assert.equal(humanDuration(30 * 3600 * s), '30h');
    assert.equal(humanDuration(3 * 86400 * s + 5 * 3600 * s), '3d5h');
    assert.equal(humanDuration(400 * 86400 * s), '400d');
    assert.equal(humanDuration(3 * 365 * 86400 * s + 10 * 86400 * s), '3y10d');
  });
});
