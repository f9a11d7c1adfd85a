import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import type { Cluster, ClusterClass, MachineDeployment } from '../../api/v1beta2/index.js';
import { computeDesiredState, type ComputeDesiredStateInput, type CurrentState } from './desired-state.js';
import { isInvalidTopologyError, isMissingTemplateError, isNameTemplateError } from './errors.js';
import { templateRefKey } from './template-objects.js';

const INFRA = 'infrastructure.cluster.x-k8s.io/v1beta2';
const fixed = () => 'x7k2p';

const tmpl = (apiVersion: string, kind: string, name: string, spec: Record<string, unknown>): KubeObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'ns', uid: `uid-${name}`, resourceVersion: '7' },
  spec,
});

// Shaped like upstream's in-memory ClusterClass (test/e2e/data/.../clusterclass-in-memory.yaml).
const classTemplates = (): KubeObject[] => [
  tmpl(INFRA, 'DevClusterTemplate', 'in-memory-cluster', {
    template: { spec: { backend: { inMemory: {} } } },
  }),
  tmpl('controlplane.cluster.x-k8s.io/v1beta2', 'KubeadmControlPlaneTemplate', 'in-memory-control-plane', {
    template: {
      spec: { kubeadmConfigSpec: { clusterConfiguration: { apiServer: { certSANs: ['localhost'] } } } },
    },
  }),
  tmpl(INFRA, 'DevMachineTemplate', 'in-memory-control-plane', {
    template: { spec: { backend: { inMemory: { vm: { provisioning: { startupDuration: '10s' } } } } } },
  }),
  tmpl(INFRA, 'DevMachineTemplate', 'in-memory-default-worker-machinetemplate', {
    template: { spec: { backend: { inMemory: { vm: { provisioning: { startupDuration: '10s' } } } } } },
  }),
  tmpl(
    'bootstrap.cluster.x-k8s.io/v1beta2',
    'KubeadmConfigTemplate',
    'in-memory-default-worker-bootstraptemplate',
    {
      template: {
        spec: { joinConfiguration: { nodeRegistration: { criSocket: 'unix:///var/run/containerd.sock' } } },
      },
    },
  ),
];

const templateMap = (objects: KubeObject[]): Map<string, KubeObject> =>
  new Map(
    objects.map((o) => [
      templateRefKey({ apiVersion: o.apiVersion ?? '', kind: o.kind ?? '', name: o.metadata.name ?? '' }),
      o,
    ]),
  );

const checks = {
  unhealthyNodeConditions: [{ type: 'Ready', status: 'Unknown', timeoutSeconds: 300 }],
};

const clusterClass = (): ClusterClass => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'ClusterClass',
  metadata: { name: 'in-memory', namespace: 'ns' },
  spec: {
    controlPlane: {
      machineInfrastructure: {
        templateRef: { apiVersion: INFRA, kind: 'DevMachineTemplate', name: 'in-memory-control-plane' },
      },
      templateRef: {
        apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
        kind: 'KubeadmControlPlaneTemplate',
        name: 'in-memory-control-plane',
      },
      healthCheck: { checks },
    },
    infrastructure: {
      templateRef: { apiVersion: INFRA, kind: 'DevClusterTemplate', name: 'in-memory-cluster' },
    },
    workers: {
      machineDeployments: [
        {
          class: 'default-worker',
          bootstrap: {
            templateRef: {
              apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
              kind: 'KubeadmConfigTemplate',
              name: 'in-memory-default-worker-bootstraptemplate',
            },
          },
          infrastructure: {
            templateRef: {
              apiVersion: INFRA,
              kind: 'DevMachineTemplate',
              name: 'in-memory-default-worker-machinetemplate',
            },
          },
          healthCheck: { checks },
        },
      ],
    },
  },
});

const cluster = (): Cluster => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name: 'c1', namespace: 'ns', uid: 'cluster-uid' },
  spec: {
    topology: {
      classRef: { name: 'in-memory' },
      version: 'v1.31.2',
      controlPlane: { replicas: 3 },
      workers: { machineDeployments: [{ class: 'default-worker', name: 'md-0', replicas: 2 }] },
    },
  },
});

const compute = (overrides: Partial<ComputeDesiredStateInput> = {}) =>
  computeDesiredState({
    cluster: cluster(),
    clusterClass: clusterClass(),
    templates: templateMap(classTemplates()),
    random: fixed,
    ...overrides,
  });

const md0 = (state: ReturnType<typeof compute>) => {
  const md = state.machineDeployments.get('md-0');
  assert.ok(md, 'md-0 is in the desired state');
  return md;
};

describe('computeDesiredState: a new Cluster', () => {
  const state = compute();

  it('names new objects from the default naming templates and template prefixes', () => {
    assert.equal(state.infrastructureCluster.metadata.name, 'c1-x7k2p');
    assert.equal(state.controlPlane.metadata.name, 'c1-x7k2p');
    assert.equal(state.controlPlaneInfrastructureMachineTemplate?.metadata.name, 'c1-x7k2p');
    assert.equal(md0(state).object.metadata?.name, 'c1-md-0-x7k2p');
    assert.equal(md0(state).bootstrapTemplate.metadata.name, 'c1-md-0-x7k2p');
    assert.equal(md0(state).infrastructureTemplate.metadata.name, 'c1-md-0-x7k2p');
  });

  it('builds the infrastructure cluster from spec.template with topology labels and cloned-from annotations', () => {
    const ic = state.infrastructureCluster;
    assert.equal(ic.kind, 'DevCluster');
    assert.equal(ic.metadata.namespace, 'ns');
    assert.deepEqual(ic['spec'], { backend: { inMemory: {} } });
    assert.deepEqual(ic.metadata.labels, {
      'cluster.x-k8s.io/cluster-name': 'c1',
      'topology.cluster.x-k8s.io/owned': '',
    });
    assert.equal(ic.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'in-memory-cluster');
    assert.equal(
      ic.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
      'DevClusterTemplate.infrastructure.cluster.x-k8s.io',
    );
  });

  it('sets control plane version, replicas and the machine infrastructure reference', () => {
    const spec = state.controlPlane['spec'] as Record<string, unknown>;
    assert.equal(state.controlPlane.kind, 'KubeadmControlPlane');
    assert.equal(spec['version'], 'v1.31.2');
    assert.equal(spec['replicas'], 3);
    assert.deepEqual((spec['machineTemplate'] as { spec: unknown }).spec, {
      infrastructureRef: {
        apiGroup: 'infrastructure.cluster.x-k8s.io',
        kind: 'DevMachineTemplate',
        name: 'c1-x7k2p',
      },
    });
    assert.deepEqual(spec['kubeadmConfigSpec'], {
      clusterConfiguration: { apiServer: { certSANs: ['localhost'] } },
    });
  });

  it('clones the control plane machine template without server-set metadata, owned by the Cluster', () => {
    const t = state.controlPlaneInfrastructureMachineTemplate;
    assert.ok(t);
    assert.equal(t.kind, 'DevMachineTemplate');
    assert.equal(t.metadata.resourceVersion, undefined);
    assert.equal(t.metadata.uid, undefined);
    assert.equal(t.metadata.ownerReferences?.[0]?.uid, 'cluster-uid');
    assert.equal(t.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'], 'in-memory-control-plane');
  });

  it('builds the MachineDeployment with refs to its template clones, labels, selector, replicas and version', () => {
    const { object, bootstrapTemplate, infrastructureTemplate } = md0(state);
    assert.equal(object.spec.clusterName, 'c1');
    assert.equal(object.spec.replicas, 2);
    assert.equal(object.spec.template.spec.version, 'v1.31.2');
    assert.deepEqual(object.spec.template.spec.bootstrap.configRef, {
      apiGroup: 'bootstrap.cluster.x-k8s.io',
      kind: 'KubeadmConfigTemplate',
      name: 'c1-md-0-x7k2p',
    });
    assert.equal(object.spec.template.spec.infrastructureRef.kind, 'DevMachineTemplate');
    const identity = {
      'cluster.x-k8s.io/cluster-name': 'c1',
      'topology.cluster.x-k8s.io/owned': '',
      'topology.cluster.x-k8s.io/deployment-name': 'md-0',
    };
    assert.deepEqual(object.spec.selector.matchLabels, identity);
    assert.deepEqual(object.metadata?.labels, identity);
    assert.deepEqual(object.spec.template.metadata?.labels, identity);
    assert.equal(bootstrapTemplate.metadata.labels?.['topology.cluster.x-k8s.io/deployment-name'], 'md-0');
    assert.equal(
      infrastructureTemplate.metadata.labels?.['topology.cluster.x-k8s.io/deployment-name'],
      'md-0',
    );
  });

  it('creates MachineHealthChecks for the control plane and the MachineDeployment from the class', () => {
    assert.deepEqual(
      state.machineHealthChecks.map((m) => [m.metadata?.name, m.spec.selector.matchLabels]),
      [
        ['c1-x7k2p', { 'topology.cluster.x-k8s.io/owned': '', 'cluster.x-k8s.io/control-plane': '' }],
        [
          'c1-md-0-x7k2p',
          { 'topology.cluster.x-k8s.io/owned': '', 'topology.cluster.x-k8s.io/deployment-name': 'md-0' },
        ],
      ],
    );
    assert.deepEqual(state.machineHealthChecks[0]?.spec.checks, checks);
    assert.equal(state.machineHealthChecks[0]?.spec.clusterName, 'c1');
  });
});

describe('computeDesiredState: an existing Cluster', () => {
  const first = compute({ random: () => 'aaaaa' });
  const mdFirst = md0(first);
  const current = (overrides: Partial<CurrentState> = {}): CurrentState => ({
    infrastructureCluster: first.infrastructureCluster,
    controlPlane: first.controlPlane,
    controlPlaneInfrastructureMachineTemplate: first.controlPlaneInfrastructureMachineTemplate,
    machineDeployments: new Map([
      [
        'md-0',
        {
          object: mdFirst.object,
          bootstrapTemplate: mdFirst.bootstrapTemplate,
          infrastructureTemplate: mdFirst.infrastructureTemplate,
        },
      ],
    ]),
    ...overrides,
  });

  it('keeps the names of existing objects and of unchanged templates', () => {
    const state = compute({ current: current(), random: () => 'bbbbb' });
    assert.equal(state.infrastructureCluster.metadata.name, 'c1-aaaaa');
    assert.equal(state.controlPlane.metadata.name, 'c1-aaaaa');
    assert.equal(state.controlPlaneInfrastructureMachineTemplate?.metadata.name, 'c1-aaaaa');
    assert.equal(md0(state).object.metadata?.name, 'c1-md-0-aaaaa');
    assert.equal(md0(state).bootstrapTemplate.metadata.name, 'c1-md-0-aaaaa');
    assert.equal(md0(state).infrastructureTemplate.metadata.name, 'c1-md-0-aaaaa');
  });

  it('rotates a template whose spec changed: new name, cloned-from annotations, references follow', () => {
    const templates = classTemplates();
    const workerInfra = templates[3];
    assert.ok(workerInfra);
    workerInfra['spec'] = {
      template: { spec: { backend: { inMemory: { vm: { provisioning: { startupDuration: '20s' } } } } } },
    };
    const state = compute({ current: current(), templates: templateMap(templates), random: () => 'bbbbb' });
    const md = md0(state);
    assert.equal(md.infrastructureTemplate.metadata.name, 'c1-md-0-bbbbb');
    assert.equal(
      md.infrastructureTemplate.metadata.annotations?.['cluster.x-k8s.io/cloned-from-name'],
      'in-memory-default-worker-machinetemplate',
    );
    assert.equal(
      md.infrastructureTemplate.metadata.annotations?.['cluster.x-k8s.io/cloned-from-groupkind'],
      'DevMachineTemplate.infrastructure.cluster.x-k8s.io',
    );
    assert.equal(md.object.spec.template.spec.infrastructureRef.name, 'c1-md-0-bbbbb');
    assert.equal(
      md.bootstrapTemplate.metadata.name,
      'c1-md-0-aaaaa',
      'the unchanged bootstrap template stays',
    );
    assert.equal(md.object.metadata?.name, 'c1-md-0-aaaaa', 'the MachineDeployment keeps its name');
  });

  it("keeps a class template's own annotations on clones, but not kubectl's record nor capi move's bookkeeping", () => {
    const templates = classTemplates();
    const cpInfra = templates[2];
    assert.ok(cpInfra);
    cpInfra['metadata'] = {
      ...(cpInfra['metadata'] as object),
      annotations: {
        team: 'infra',
        'kubectl.kubernetes.io/last-applied-configuration': '{}',
        'move.capi-ts.io/source-uid': 'uid-of-the-class-template',
      },
    };
    const state = compute({ templates: templateMap(templates) });
    const annotations = state.controlPlaneInfrastructureMachineTemplate?.metadata.annotations ?? {};
    assert.equal(annotations['team'], 'infra');
    assert.equal(annotations['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    assert.equal(annotations['move.capi-ts.io/source-uid'], undefined);
  });

  it('rotates the control plane machine template and points the control plane at the new one', () => {
    const templates = classTemplates();
    const cpInfra = templates[2];
    assert.ok(cpInfra);
    cpInfra['spec'] = { template: { spec: { backend: { inMemory: {} } } } };
    const state = compute({ current: current(), templates: templateMap(templates), random: () => 'bbbbb' });
    assert.equal(state.controlPlaneInfrastructureMachineTemplate?.metadata.name, 'c1-bbbbb');
    const spec = state.controlPlane['spec'] as {
      machineTemplate: { spec: { infrastructureRef: { name: string } } };
    };
    assert.equal(spec.machineTemplate.spec.infrastructureRef.name, 'c1-bbbbb');
    assert.equal(state.controlPlane.metadata.name, 'c1-aaaaa');
  });

  it('takes the version versionFor decides (upgrade sequencing seam)', () => {
    const c = cluster();
    assert.ok(c.spec.topology);
    c.spec.topology.version = 'v1.32.0';
    const seen: string[] = [];
    const state = compute({
      cluster: c,
      current: current(),
      versionFor: (i) => {
        seen.push(`${i.object}:${i.topologyName ?? ''}:${i.currentVersion ?? ''}`);
        return i.object === 'ControlPlane' ? i.topologyVersion : (i.currentVersion ?? i.topologyVersion);
      },
    });
    assert.deepEqual(seen, ['ControlPlane::v1.31.2', 'MachineDeployment:md-0:v1.31.2']);
    assert.equal((state.controlPlane['spec'] as { version: string }).version, 'v1.32.0');
    assert.equal(md0(state).object.spec.template.spec.version, 'v1.31.2');
  });
});

describe('computeDesiredState: class and topology settings', () => {
  it('keeps the names the Cluster refers to when the current objects were not loaded', () => {
    const c = cluster();
    c.spec.infrastructureRef = {
      apiGroup: 'infrastructure.cluster.x-k8s.io',
      kind: 'DevCluster',
      name: 'c1-infra',
    };
    c.spec.controlPlaneRef = {
      apiGroup: 'controlplane.cluster.x-k8s.io',
      kind: 'KubeadmControlPlane',
      name: 'c1-cp',
    };
    const state = compute({ cluster: c });
    assert.equal(state.infrastructureCluster.metadata.name, 'c1-infra');
    assert.equal(state.controlPlane.metadata.name, 'c1-cp');
  });

  it('sets control plane machine readinessGates, taints and deletion timeouts, topology over class', () => {
    const cc = clusterClass();
    Object.assign(cc.spec.controlPlane, {
      readinessGates: [{ conditionType: 'ClassGate' }],
      deletion: { nodeDrainTimeoutSeconds: 10, nodeDeletionTimeoutSeconds: 30 },
    });
    const c = cluster();
    assert.ok(c.spec.topology);
    c.spec.topology.controlPlane = {
      replicas: 1,
      deletion: { nodeDrainTimeoutSeconds: 20 },
      taints: [{ key: 'k', effect: 'NoSchedule', propagation: 'Always' }],
    };
    const spec = compute({ cluster: c, clusterClass: cc }).controlPlane['spec'] as {
      machineTemplate: { spec: Record<string, unknown> };
    };
    assert.deepEqual(spec.machineTemplate.spec['readinessGates'], [{ conditionType: 'ClassGate' }]);
    assert.deepEqual(spec.machineTemplate.spec['taints'], [
      { key: 'k', effect: 'NoSchedule', propagation: 'Always' },
    ]);
    assert.deepEqual(spec.machineTemplate.spec['deletion'], {
      nodeDrainTimeoutSeconds: 20,
      nodeDeletionTimeoutSeconds: 30,
    });
  });

  it('merges metadata with the Cluster topology winning over the ClusterClass', () => {
    const cc = clusterClass();
    cc.spec.controlPlane.metadata = { labels: { a: 'class', b: 'class' }, annotations: { x: 'class' } };
    const mdClass = cc.spec.workers?.machineDeployments?.[0];
    assert.ok(mdClass);
    mdClass.metadata = { labels: { a: 'class', b: 'class' } };
    const c = cluster();
    const t = c.spec.topology;
    assert.ok(t?.workers?.machineDeployments?.[0]);
    t.controlPlane = { replicas: 1, metadata: { labels: { a: 'topology' }, annotations: { x: 'topology' } } };
    t.workers.machineDeployments[0].metadata = {
      labels: { a: 'topology' },
      annotations: { 'topology.cluster.x-k8s.io/defer-upgrade': '', keep: 'me' },
    };
    const state = compute({ cluster: c, clusterClass: cc });
    assert.equal(state.controlPlane.metadata.labels?.['a'], 'topology');
    assert.equal(state.controlPlane.metadata.labels?.['b'], 'class');
    assert.equal(state.controlPlane.metadata.annotations?.['x'], 'topology');
    const machineMeta = (
      state.controlPlane['spec'] as { machineTemplate: { metadata: { labels: Record<string, string> } } }
    ).machineTemplate.metadata;
    assert.equal(machineMeta.labels['a'], 'topology');
    assert.equal(machineMeta.labels['cluster.x-k8s.io/cluster-name'], 'c1');
    const md = md0(state).object;
    assert.equal(md.metadata?.labels?.['a'], 'topology');
    assert.equal(md.spec.template.metadata?.labels?.['b'], 'class');
    assert.deepEqual(
      md.metadata?.annotations,
      { keep: 'me' },
      'upgrade-sequencing annotations are not propagated',
    );
  });

  it('takes failureDomain, minReadySeconds, deletion, rollout, readinessGates and maxInFlight from topology over class', () => {
    const cc = clusterClass();
    const mdClass = cc.spec.workers?.machineDeployments?.[0];
    assert.ok(mdClass);
    Object.assign(mdClass, {
      failureDomain: 'fd-class',
      minReadySeconds: 5,
      deletion: { order: 'Oldest', nodeDrainTimeoutSeconds: 10 },
      rollout: { strategy: { type: 'OnDelete' } },
      readinessGates: [{ conditionType: 'ClassGate' }],
      healthCheck: { checks, remediation: { maxInFlight: 1 } },
    });
    const c = cluster();
    const mdTopology = c.spec.topology?.workers?.machineDeployments?.[0];
    assert.ok(mdTopology);
    Object.assign(mdTopology, {
      failureDomain: 'fd-topology',
      deletion: { nodeDrainTimeoutSeconds: 20 },
      healthCheck: { remediation: { maxInFlight: '50%' } },
    });
    const md: MachineDeployment = md0(compute({ cluster: c, clusterClass: cc })).object;
    assert.equal(md.spec.template.spec.failureDomain, 'fd-topology');
    assert.equal(md.spec.template.spec.minReadySeconds, 5);
    assert.deepEqual(md.spec.template.spec.deletion, { nodeDrainTimeoutSeconds: 20 });
    assert.deepEqual(md.spec.deletion, { order: 'Oldest' });
    assert.deepEqual(md.spec.rollout, { strategy: { type: 'OnDelete' } });
    assert.deepEqual(md.spec.template.spec.readinessGates, [{ conditionType: 'ClassGate' }]);
    assert.deepEqual(md.spec.remediation, { maxInFlight: '50%' });
  });

  it('uses the class naming templates', () => {
    const cc = clusterClass();
    cc.spec.infrastructure.naming = { template: 'infra-{{ .cluster.name }}' };
    cc.spec.controlPlane.naming = { template: '{{ .cluster.name }}-cp' };
    const mdClass = cc.spec.workers?.machineDeployments?.[0];
    assert.ok(mdClass);
    mdClass.naming = { template: '{{ .machineDeployment.topologyName }}-{{ .cluster.name }}' };
    const state = compute({ clusterClass: cc });
    assert.equal(state.infrastructureCluster.metadata.name, 'infra-c1');
    assert.equal(state.controlPlane.metadata.name, 'c1-cp');
    assert.equal(md0(state).object.metadata?.name, 'md-0-c1');
  });

  it('leaves out MachineHealthChecks the topology turns off', () => {
    const c = cluster();
    const t = c.spec.topology;
    assert.ok(t?.workers?.machineDeployments?.[0]);
    t.controlPlane = { replicas: 3, healthCheck: { enabled: false } };
    t.workers.machineDeployments[0].healthCheck = { enabled: false };
    const state = compute({ cluster: c });
    assert.deepEqual(state.machineHealthChecks, []);
    assert.equal(md0(state).machineHealthCheck, undefined);
  });

  it('applies inline patches to the templates before the objects are built, with builtins', () => {
    const cc = clusterClass();
    cc.spec.patches = [
      {
        name: 'names',
        definitions: [
          {
            selector: {
              apiVersion: INFRA,
              kind: 'DevClusterTemplate',
              matchResources: { infrastructureCluster: true },
            },
            jsonPatches: [
              {
                op: 'add',
                path: '/spec/template/spec/owner',
                valueFrom: { template: 'owned-by-{{ .builtin.cluster.name }}' },
              },
            ],
          },
          {
            selector: {
              apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
              kind: 'KubeadmControlPlaneTemplate',
              matchResources: { controlPlane: true },
            },
            jsonPatches: [
              {
                op: 'add',
                path: '/spec/template/spec/note',
                valueFrom: {
                  template:
                    '{{ .builtin.controlPlane.name }}@{{ .builtin.controlPlane.version }}/{{ .builtin.controlPlane.machineTemplate.infrastructureRef.name }}',
                },
              },
            ],
          },
          {
            selector: {
              apiVersion: INFRA,
              kind: 'DevMachineTemplate',
              matchResources: { machineDeploymentClass: { names: ['default-worker'] } },
            },
            jsonPatches: [
              {
                op: 'add',
                path: '/spec/template/spec/md',
                valueFrom: { variable: 'builtin.machineDeployment.topologyName' },
              },
            ],
          },
        ],
      },
    ];
    const state = compute({ clusterClass: cc });
    assert.equal((state.infrastructureCluster['spec'] as { owner: string }).owner, 'owned-by-c1');
    assert.equal((state.controlPlane['spec'] as { note: string }).note, 'c1-x7k2p@v1.31.2/c1-x7k2p');
    const infraTemplate = md0(state).infrastructureTemplate['spec'] as { template: { spec: { md: string } } };
    assert.equal(infraTemplate.template.spec.md, 'md-0');
    const cpTemplate = state.controlPlaneInfrastructureMachineTemplate?.['spec'] as {
      template: { spec: Record<string, unknown> };
    };
    assert.equal(cpTemplate.template.spec['md'], undefined, 'the control plane template is not selected');
  });
});

describe('computeDesiredState: errors', () => {
  it('reports a missing template with the object it was for', () => {
    const templates = classTemplates().filter((t) => t.kind !== 'KubeadmConfigTemplate');
    assert.throws(
      () => compute({ templates: templateMap(templates) }),
      (err: unknown) =>
        isMissingTemplateError(err) &&
        err.subject.object === 'MachineDeployment' &&
        err.subject.topologyName === 'md-0' &&
        err.ref.name === 'in-memory-default-worker-bootstraptemplate',
    );
  });

  it('reports a bad naming template with the object it names', () => {
    const cc = clusterClass();
    cc.spec.controlPlane.naming = { template: '{{ .cluster.namespace }}-{{ .random }}' };
    assert.throws(
      () => compute({ clusterClass: cc }),
      (err: unknown) => isNameTemplateError(err) && err.subject.object === 'ControlPlane',
    );
  });

  it('reports an unknown MachineDeployment class and a Cluster without topology', () => {
    const c = cluster();
    const md = c.spec.topology?.workers?.machineDeployments?.[0];
    assert.ok(md);
    md.class = 'nope';
    assert.throws(
      () => compute({ cluster: c }),
      (err: unknown) => isInvalidTopologyError(err) && err.subject.topologyName === 'md-0',
    );
    const bare = cluster();
    delete bare.spec.topology;
    assert.throws(() => compute({ cluster: bare }), isInvalidTopologyError);
  });
});

const UPSTREAM = '/work/shared/compat/upstream-cluster-api/templates';
const haveUpstream =
  existsSync(`${UPSTREAM}/clusterclass-in-memory.yaml`) &&
  existsSync(`${UPSTREAM}/cluster-template-in-memory.yaml`);

describe('computeDesiredState: upstream in-memory ClusterClass', () => {
  it(
    'computes a desired state for the e2e in-memory Cluster',
    { skip: haveUpstream ? false : `upstream templates not found under ${UPSTREAM}` },
    () => {
      const vars: Record<string, string> = {
        CLUSTER_NAME: 'e2e',
        NAMESPACE: 'ns',
        KUBERNETES_VERSION: 'v1.31.2',
        CONTROL_PLANE_MACHINE_COUNT: '3',
        WORKER_MACHINE_COUNT: '4',
      };
      const substitute = (text: string) =>
        text.replace(
          /\$\{([A-Z_]+)(?::=([^}]*))?\}/g,
          (_m, name: string, def?: string) => vars[name] ?? def ?? '',
        );
      const load = (file: string) =>
        parseAllDocuments(substitute(readFileSync(`${UPSTREAM}/${file}`, 'utf8'))).map(
          (d) => d.toJS() as KubeObject,
        );
      const classDocs = load('clusterclass-in-memory.yaml');
      const cc = classDocs.find((d) => d.kind === 'ClusterClass') as unknown as ClusterClass;
      const c = load('cluster-template-in-memory.yaml').find(
        (d) => d.kind === 'Cluster',
      ) as unknown as Cluster;
      const state = computeDesiredState({
        cluster: c,
        clusterClass: cc,
        templates: templateMap(classDocs.filter((d) => d.kind !== 'ClusterClass')),
        random: fixed,
      });
      assert.equal(state.infrastructureCluster.kind, 'DevCluster');
      assert.equal((state.controlPlane['spec'] as { replicas: number }).replicas, 3);
      assert.equal(md0(state).object.spec.replicas, 4);
      assert.equal(md0(state).object.metadata?.name, 'e2e-md-0-x7k2p');
      assert.equal(state.machineHealthChecks.length, 2);
    },
  );
});
