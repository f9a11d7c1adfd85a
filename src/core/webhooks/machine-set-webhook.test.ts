import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION, type MachineSet } from '../api/v1beta2/index.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

interface Shape {
  name?: string;
  annotations?: Record<string, string>;
  replicas?: number;
  selector?: MachineSet['spec']['selector'];
  labels?: Record<string, string>;
  clusterName?: string;
  templateClusterName?: string;
  version?: string;
  naming?: string;
}

const machineSet = (s: Shape = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'MachineSet',
  metadata: {
    name: s.name ?? 'ms-1',
    namespace: 'default',
    ...(s.annotations ? { annotations: s.annotations } : {}),
  },
  spec: {
    clusterName: s.clusterName ?? 'c-1',
    ...(s.replicas !== undefined ? { replicas: s.replicas } : {}),
    selector: s.selector ?? { matchLabels: { app: 'web' } },
    ...(s.naming ? { machineNaming: { template: s.naming } } : {}),
    template: {
      metadata: { labels: s.labels ?? { app: 'web' } },
      spec: {
        clusterName: s.templateClusterName ?? s.clusterName ?? 'c-1',
        bootstrap: { dataSecretName: 'data' },
        infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'x' },
        ...(s.version ? { version: s.version } : {}),
      },
    },
  },
});

const specOf = (o: KubeObject) => (o as unknown as MachineSet).spec;

describe('MachineSet webhook', () => {
  const hook = webhookFor('MachineSet');

  it('defaults labels, replicas, a name selector and the v prefix', async () => {
    const ms = machineSet({ selector: {}, labels: {}, version: '1.32.0' });
    await hook.defaulter.default(ms, CREATE);
    assert.equal(ms.metadata.labels?.['cluster.x-k8s.io/cluster-name'], 'c-1');
    assert.equal(specOf(ms).replicas, 1);
    assert.deepEqual(specOf(ms).selector, { matchLabels: { 'cluster.x-k8s.io/set-name': 'ms-1' } });
    assert.deepEqual(specOf(ms).template.metadata?.labels, { 'cluster.x-k8s.io/set-name': 'ms-1' });
    assert.equal(specOf(ms).template.spec.version, 'v1.32.0');
  });

  it('hashes a name too long for a label value', async () => {
    const ms = machineSet({ name: 'machineSetName'.repeat(12), selector: {}, labels: {} });
    await hook.defaulter.default(ms, CREATE);
    assert.deepEqual(specOf(ms).selector, { matchLabels: { 'cluster.x-k8s.io/set-name': 'hash_FR_ghQ_z' } });
  });

  it('defaults replicas from the autoscaler annotations: min on create, the old value clamped on update', async () => {
    const annotations = {
      'cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size': '3',
      'cluster.x-k8s.io/cluster-api-autoscaler-node-group-max-size': '7',
    };
    const created = machineSet({ annotations });
    await hook.defaulter.default(created, CREATE);
    assert.equal(specOf(created).replicas, 3);
    for (const [old, want] of [
      [1, 3],
      [5, 5],
      [9, 7],
    ] as const) {
      const updated = machineSet({ annotations });
      await hook.defaulter.default(updated, updateOf(machineSet({ replicas: old })));
      assert.equal(specOf(updated).replicas, want, `old replicas ${old}`);
    }
    const bad = machineSet({
      annotations: { ...annotations, 'cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size': 'x' },
    });
    const err = await denial(() => hook.defaulter.default(bad, CREATE));
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'failed to caculate MachineSet replicas value: could not parse the value of the "cluster.x-k8s.io/cluster-api-autoscaler-node-group-min-size" annotation: strconv.ParseInt: parsing "x": invalid syntax',
    );
  });

  it('refuses a selector that does not match the template labels', async () => {
    const ms = machineSet({ selector: { matchLabels: { app: 'web', tier: 'a' } }, labels: { app: 'web' } });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(ms, CREATE)), [
      'spec.template.metadata.labels: Invalid value: {"app":"web"}: must match spec.selector "app=web,tier=a"',
    ]);
  });

  it('refuses a selector that does not parse', async () => {
    const ms = machineSet({
      selector: { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(ms, CREATE)), [
      'spec.selector: Invalid value: {"matchExpressions":[{"key":"app","operator":"Equals","values":["x"]}]}: "Equals" is not a valid label selector operator',
    ]);
  });

  it('keeps spec.clusterName immutable and equal to the template clusterName', async () => {
    const old = machineSet();
    const moved = machineSet({ clusterName: 'b', templateClusterName: 'c-1' });
    assert.deepEqual(await causes(() => hook.validator.validateUpdate?.(old, moved, updateOf(old))), [
      'spec.clusterName: Forbidden: field is immutable',
      'spec.clusterName: Invalid value: "b": spec.clusterName and spec.template.spec.clusterName must be set to the same value',
    ]);
  });

  it('refuses unknown preflight checks to skip, bad versions and bad naming templates', async () => {
    const ms = machineSet({
      annotations: { 'machineset.cluster.x-k8s.io/skip-preflight-checks': 'KubeadmVersionSkew, Foo' },
      version: 'v1.2',
      naming: '{{ .machineSet.name }}-{{ .cluster.nope }}',
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(ms, CREATE)), [
      'metadata.annotations.machineset.cluster.x-k8s.io/skip-preflight-checks: Invalid value: ["Foo"]: skipped preflight check(s) must be among: [All ControlPlaneIsStable ControlPlaneVersionSkew KubeadmVersionSkew KubernetesVersionSkew]',
      'spec.template.spec.version: Invalid value: "v1.2": must be a valid semantic version',
      'spec.machineNaming.template: Invalid value: "{{ .machineSet.name }}-{{ .cluster.nope }}": invalid template, {{ .random }} is missing',
      'spec.machineNaming.template: Invalid value: "{{ .machineSet.name }}-{{ .cluster.nope }}": invalid template: rendering template: template: template name generator:1:34: executing "template name generator" at <.cluster.nope>: map has no entry for key "nope"',
    ]);
  });

  it('refuses naming templates that render invalid names, and bad template labels', async () => {
    const ms = machineSet({
      naming: '{{ .machineSet.name }}_{{ .random }}',
      labels: { app: 'web', 'bad key!': 'v' },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(ms, CREATE)), [
      `spec.machineNaming.template: Invalid value: "{{ .machineSet.name }}_{{ .random }}": invalid template, generated names would not be valid Kubernetes object names: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      `spec.template.metadata.labels: Invalid value: "bad key!": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
  });
});
