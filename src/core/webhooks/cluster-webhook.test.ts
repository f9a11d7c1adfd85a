import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { FakeClient } from '../../controller-runtime/helpers/testing/fake-client.js';
import { API_VERSION, type Cluster } from '../api/v1beta2/index.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

type Topology = NonNullable<Cluster['spec']['topology']>;

const ref = (kind: string) => ({ apiGroup: 'x.cluster.x-k8s.io', kind, name: 'c-1' });

const cluster = (spec: Cluster['spec'], meta: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'Cluster',
  metadata: { name: 'c-1', namespace: 'default', ...meta },
  spec,
});

const topologyCluster = (
  topology: Partial<Topology> = {},
  meta: Partial<KubeObject['metadata']> = {},
): KubeObject =>
  cluster({ topology: { classRef: { name: 'quick-start' }, version: 'v1.33.0', ...topology } }, meta);

const clusterClass = (
  spec: Record<string, unknown> = {},
  status: Record<string, unknown> = {},
): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'ClusterClass',
  metadata: { name: 'quick-start', namespace: 'default', generation: 1 },
  spec: {
    infrastructure: {
      templateRef: {
        apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
        kind: 'DevClusterTemplate',
        name: 'i',
      },
    },
    controlPlane: {
      templateRef: {
        apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
        kind: 'KubeadmControlPlaneTemplate',
        name: 'cp',
      },
    },
    workers: {
      machineDeployments: [
        {
          class: 'default-worker',
          bootstrap: {
            templateRef: {
              apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
              kind: 'KubeadmConfigTemplate',
              name: 'b',
            },
          },
          infrastructure: {
            templateRef: {
              apiVersion: 'infrastructure.cluster.x-k8s.io/v1beta2',
              kind: 'DevMachineTemplate',
              name: 'm',
            },
          },
        },
      ],
    },
    ...spec,
  },
  status: {
    observedGeneration: 1,
    conditions: [
      {
        type: 'VariablesReady',
        status: 'True',
        reason: 'VariablesReady',
        message: '',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
    ...status,
  },
});

const topologyOf = (o: KubeObject): Topology => (o as unknown as Cluster).spec.topology as Topology;

describe('Cluster webhook', () => {
  it('defaults the v prefix of the topology version and requires classRef.name', async () => {
    const hook = webhookFor('Cluster');
    const c = topologyCluster({ version: '1.33.0' });
    await hook.defaulter.default(c, CREATE);
    assert.equal(topologyOf(c).version, 'v1.33.0');
    assert.deepEqual(
      await causes(() => hook.defaulter.default(topologyCluster({ classRef: { name: '' } }), CREATE)),
      ['spec.topology.classRef.name: Required value: cannot be empty'],
    );
  });

  it('defaults topology variables from the ClusterClass, at the top level and inside objects', async () => {
    const reader = new FakeClient();
    const schema = (s: Record<string, unknown>) => [
      { from: 'inline', required: false, schema: { openAPIV3Schema: s } },
    ];
    reader.seed(
      clusterClass(
        {},
        {
          variables: [
            { name: 'cni', definitions: schema({ type: 'string', default: 'calico' }) },
            {
              name: 'registry',
              definitions: schema({
                type: 'object',
                properties: { host: { type: 'string' }, port: { type: 'integer', default: 443 } },
              }),
            },
            { name: 'noDefault', definitions: schema({ type: 'string' }) },
          ],
        },
      ),
    );
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const c = topologyCluster({ variables: [{ name: 'registry', value: { host: 'r.example' } }] });
    await hook.defaulter.default(c, CREATE);
    assert.deepEqual(topologyOf(c).variables, [
      { name: 'registry', value: { host: 'r.example', port: 443 } },
      { name: 'cni', value: 'calico' },
    ]);
    const unknown = topologyCluster({ variables: [{ name: 'nope', value: 1 }] });
    assert.deepEqual(await causes(() => hook.defaulter.default(unknown, CREATE)), [
      'spec.topology.variables[nope]: Invalid value: "1": variable is not defined',
    ]);
  });

  it('requires one of controlPlaneRef, infrastructureRef or topology, valid CIDRs and a label-safe name', async () => {
    const hook = webhookFor('Cluster');
    const bad = cluster(
      { clusterNetwork: { pods: { cidrBlocks: ['10.0.0.0/33', '192.168.0.0/16'] } } },
      { name: 'Bad_' },
    );
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(bad, CREATE)), [
      `metadata.name: Invalid value: "Bad_": must be a valid label value a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      'spec: Forbidden: one of spec.controlPlaneRef, spec.infrastructureRef or spec.topology must be set',
      'spec.clusterNetwork.pods.cidrBlocks[0]: Invalid value: "10.0.0.0/33": invalid CIDR address: 10.0.0.0/33',
    ]);
  });

  it('refuses removing refs or the topology from an existing Cluster', async () => {
    const hook = webhookFor('Cluster');
    const old = cluster({
      infrastructureRef: ref('DevCluster'),
      controlPlaneRef: ref('KubeadmControlPlane'),
    });
    const changed = cluster({ infrastructureRef: ref('DevCluster') });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, changed, updateOf(old))), [
      'spec.controlPlaneRef: Forbidden: cannot be removed',
    ]);
    const managed = topologyCluster();
    const unmanaged = cluster({ infrastructureRef: ref('DevCluster') });
    assert.deepEqual(
      await causes(() => hook.validator.validateUpdate?.(managed, unmanaged, updateOf(managed))),
      ['spec.topology: Forbidden: cannot be removed from an existing Cluster'],
    );
  });

  it('refuses bad topology versions and upgrade-concurrency annotations, and topologies while the gate is off', async () => {
    const hook = webhookFor('Cluster');
    const c = topologyCluster(
      { version: '1.33' },
      { annotations: { 'topology.cluster.x-k8s.io/upgrade-concurrency': '0' } },
    );
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(c, CREATE)), [
      'spec.topology.version: Invalid value: "1.33": must start with v',
      'spec.topology.version: Invalid value: "1.33": version must be a valid semantic version',
      'metadata.annotations.topology.cluster.x-k8s.io/upgrade-concurrency: Invalid value: "0": value cannot be less than 1',
    ]);
    const off = webhookFor('Cluster', { featureGates: { ClusterTopology: false } });
    assert.deepEqual(await causes(() => off.validator.validateCreate?.(topologyCluster(), CREATE)), [
      'spec.topology: Forbidden: can be set only if the ClusterTopology feature flag is enabled',
    ]);
  });

  it('never lets the version go down, nor up by two minors without a version list in the class', async () => {
    const hook = webhookFor('Cluster');
    const old = topologyCluster({ version: 'v1.33.2' });
    const down = topologyCluster({ version: 'v1.33.1' });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, down, updateOf(old))), [
      'spec.topology.version: Invalid value: "v1.33.1": version cannot be decreased from "1.33.2" to "1.33.1"',
    ]);
    const reader = new FakeClient();
    reader.seed(clusterClass());
    const looked = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const skip = topologyCluster({ version: 'v1.35.0' });
    const err = await denial(() => looked.validator.validateUpdate?.(old, skip, updateOf(old)));
    assert.deepEqual(
      err.causes.map((c) => `${c.field}: ${c.detail}`),
      [
        'spec.topology.version: Invalid value: "v1.35.0": version cannot be increased from "1.33.2" to "1.35.0"',
      ],
    );
    await looked.validator.validateUpdate?.(old, topologyCluster({ version: 'v1.34.0' }), updateOf(old));
  });

  it('refuses a version change while MachineDeployments of the topology are still upgrading', async () => {
    const reader = new FakeClient();
    reader.seed(clusterClass());
    reader.seed({
      apiVersion: API_VERSION,
      kind: 'MachineDeployment',
      metadata: {
        name: 'c-1-md-0',
        namespace: 'default',
        labels: { 'cluster.x-k8s.io/cluster-name': 'c-1', 'topology.cluster.x-k8s.io/owned': '' },
      },
      spec: { selector: { matchLabels: { pool: 'md-0' } }, template: { spec: { version: 'v1.32.5' } } },
    });
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const old = topologyCluster({ version: 'v1.33.0' });
    assert.deepEqual(
      await causes(() =>
        hook.validator.validateUpdate?.(old, topologyCluster({ version: 'v1.34.0' }), updateOf(old)),
      ),
      [
        'spec.topology.version: Invalid value: "v1.34.0": version cannot be changed: there are still MachineDeployments completing a previous upgrade: [c-1-md-0]',
      ],
    );
  });

  it('refuses a version change while the control plane has not reached, or is still rolling out, the current one', async () => {
    const reader = new FakeClient();
    reader.seed(clusterClass());
    reader.seed({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: {
        name: 'kubeadmcontrolplanes.controlplane.cluster.x-k8s.io',
        labels: { 'cluster.x-k8s.io/v1beta2': 'v1beta2' },
      },
      spec: { versions: [{ name: 'v1beta2', served: true }] },
    });
    const kcp = (spec: string, status?: string) => ({
      apiVersion: 'controlplane.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmControlPlane',
      metadata: { name: 'c-1-cp', namespace: 'default' },
      spec: { version: spec },
      ...(status ? { status: { version: status } } : {}),
    });
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const cpRef = { apiGroup: 'controlplane.cluster.x-k8s.io', kind: 'KubeadmControlPlane', name: 'c-1-cp' };
    const withRef = (version: string) =>
      cluster({ topology: { classRef: { name: 'quick-start' }, version }, controlPlaneRef: cpRef });
    const old = withRef('v1.33.0');
    const bump = withRef('v1.34.0');
    const refusal = async () => causes(() => hook.validator.validateUpdate?.(old, bump, updateOf(old)));
    const prefix = 'spec.topology.version: Invalid value: "v1.34.0": version cannot be changed: ';
    reader.seed(kcp('v1.32.0', 'v1.32.0'));
    assert.deepEqual(await refusal(), [
      `${prefix}Cluster.spec.topology.version 1.33.0 was not propagated to control plane yet (control plane version 1.32.0)`,
    ]);
    reader.seed(kcp('v1.33.0'));
    assert.deepEqual(await refusal(), [`${prefix}control plane is currently provisioning`]);
    reader.seed(kcp('v1.33.0', 'v1.32.0'));
    assert.deepEqual(await refusal(), [`${prefix}control plane is still completing a previous upgrade`]);
    reader.seed(kcp('v1.33.0', 'v1.33.0'));
    await hook.validator.validateUpdate?.(old, bump, updateOf(old));
  });

  it('checks the topology against its ClusterClass, and warns when the ClusterClass is missing', async () => {
    const reader = new FakeClient();
    reader.seed(clusterClass({ kubernetesVersions: ['v1.32.0', 'v1.33.0'] }));
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const c = topologyCluster({
      version: 'v1.33.1',
      workers: {
        machineDeployments: [
          { class: 'gpu', name: 'md-0' },
          {
            class: 'default-worker',
            name: 'md-0',
            replicas: 2,
            metadata: { annotations: { 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size': '5' } },
          },
        ],
      },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(c, CREATE)), [
      'spec.topology.version: Invalid value: "v1.33.1": version must match one of the versions defined in the ClusterClass',
      'spec.topology.workers.machineDeployments[0].class: Invalid value: "gpu": MachineDeploymentClass with name "gpu" does not exist in ClusterClass "quick-start"',
      'spec.topology.workers.machineDeployments[1].name: Invalid value: "md-0": name must be unique. MachineDeployment with name "md-0" is defined more than once',
      'spec.topology.workers.machineDeployments[md-0].replicas: Invalid value: 2: cannot be set for cluster "c-1" in namespace "default" if the same MachineDeploymentTopology has autoscaler annotations',
    ]);
    const missing = webhookFor('Cluster', { reader: new FakeClient(), clusterClassPollTimeoutMs: 0 });
    assert.deepEqual(await missing.validator.validateCreate?.(topologyCluster(), CREATE), [
      'Cluster refers to ClusterClass default/quick-start, but this ClusterClass does not exist. Cluster topology has not been fully validated. The ClusterClass must be created to reconcile the Cluster',
    ]);
  });

  it('refuses setting a class on an existing Cluster and rebasing onto an incompatible ClusterClass', async () => {
    const reader = new FakeClient();
    reader.seed(clusterClass());
    const other = clusterClass();
    other.metadata.name = 'other';
    (other.spec as { infrastructure: unknown }).infrastructure = {
      templateRef: { apiVersion: 'infrastructure.example.com/v1', kind: 'FooClusterTemplate', name: 'f' },
    };
    reader.seed(other);
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const unmanaged = cluster({ infrastructureRef: ref('DevCluster') });
    const adopted = cluster({
      infrastructureRef: ref('DevCluster'),
      topology: topologyOf(topologyCluster()),
    });
    assert.deepEqual(
      await causes(() => hook.validator.validateUpdate?.(unmanaged, adopted, updateOf(unmanaged))),
      ['spec.topology.class: Forbidden: classRef cannot be set on an existing Cluster'],
    );
    const old = topologyCluster();
    const rebased = topologyCluster({ classRef: { name: 'other' } });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, rebased, updateOf(old))), [
      'spec.infrastructure.templateRef.apiVersion: Forbidden: group of apiVersion cannot be changed from "infrastructure.cluster.x-k8s.io" to "infrastructure.example.com" to prevent incompatible changes in the Clusters',
      'spec.infrastructure.templateRef.kind: Forbidden: kind cannot be changed from "DevClusterTemplate" to "FooClusterTemplate" to prevent incompatible changes in the Clusters',
    ]);
  });

  it('validates topology variables and overrides against the ClusterClass schemas after defaulting', async () => {
    const reader = new FakeClient();
    const inline = (required: boolean, s: Record<string, unknown>) => [
      { from: 'inline', required, schema: { openAPIV3Schema: s } },
    ];
    reader.seed(
      clusterClass(
        {},
        {
          variables: [
            {
              name: 'region',
              definitions: inline(false, { type: 'string', enum: ['eu', 'us'], default: 'eu' }),
            },
            {
              name: 'proxy',
              definitions: inline(true, {
                type: 'object',
                properties: { url: { type: 'string' } },
                required: ['url'],
              }),
            },
            {
              name: 'replicas',
              definitions: inline(false, {
                type: 'integer',
                'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'cannot shrink' }],
              }),
            },
          ],
        },
      ),
    );
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const md = (overrides: { name: string; value: unknown }[]) => ({
      workers: {
        machineDeployments: [{ class: 'default-worker', name: 'md-0', variables: { overrides } }],
      },
    });
    const bad = topologyCluster({
      variables: [{ name: 'region', value: 'mars' }],
      ...md([{ name: 'replicas', value: 'three' }]),
    });
    assert.deepEqual(await causes(() => hook.defaulter.default(bad, CREATE)), [
      'spec.topology.variables: Required value: required variable "proxy" must be set',
      'spec.topology.variables[region].value: Unsupported value: "\\"mars\\"": supported values: "eu", "us"',
      'spec.topology.workers.machineDeployments[md-0].variables.overrides[replicas].value: Invalid value: "\\"three\\"": must be of type integer: "string"',
    ]);

    const good = topologyCluster({
      variables: [
        { name: 'proxy', value: { url: 'http://p' } },
        { name: 'replicas', value: 3 },
      ],
    });
    await hook.defaulter.default(good, CREATE);
    assert.deepEqual(
      topologyOf(good).variables?.map((v) => v.name),
      ['proxy', 'replicas', 'region'],
    );

    // On update, transition rules compare with the stored values.
    const shrunk = structuredClone(good);
    topologyOf(shrunk).variables = topologyOf(good).variables?.map((v) =>
      v.name === 'replicas' ? { name: 'replicas', value: 2 } : v,
    );
    assert.deepEqual(await causes(() => hook.defaulter.default(shrunk, updateOf(good))), [
      'spec.topology.variables[replicas].value: Invalid value: "2": cannot shrink',
    ]);
    await hook.defaulter.default(structuredClone(shrunk), CREATE);
  });

  it('leaves variables alone while the ClusterClass has not published them', async () => {
    const reader = new FakeClient();
    const cc = clusterClass({}, { variables: [] });
    (cc.status as { conditions: unknown[] }).conditions = [];
    reader.seed(cc);
    const hook = webhookFor('Cluster', { reader, clusterClassPollTimeoutMs: 0 });
    const c = topologyCluster({ variables: [{ name: 'anything', value: 1 }] });
    await hook.defaulter.default(c, CREATE);
    assert.deepEqual(topologyOf(c).variables, [{ name: 'anything', value: 1 }]);
  });
});
