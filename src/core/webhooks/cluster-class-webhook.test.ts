import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { FakeClient } from '../../controller-runtime/helpers/testing/fake-client.js';
import { API_VERSION } from '../api/v1beta2/index.js';
import { causes, CREATE, DELETE, denial, updateOf, webhookFor } from './test-helpers.js';

const tpl = (group: string, kind: string) => ({
  apiVersion: `${group}/v1beta2`,
  kind,
  name: kind.toLowerCase(),
});
const mdClass = (name: string, extra: Record<string, unknown> = {}) => ({
  class: name,
  bootstrap: { templateRef: tpl('bootstrap.cluster.x-k8s.io', 'KubeadmConfigTemplate') },
  infrastructure: { templateRef: tpl('infrastructure.cluster.x-k8s.io', 'DevMachineTemplate') },
  ...extra,
});

const clusterClass = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'ClusterClass',
  metadata: { name: 'quick-start', namespace: 'default' },
  spec: {
    infrastructure: { templateRef: tpl('infrastructure.cluster.x-k8s.io', 'DevClusterTemplate') },
    controlPlane: { templateRef: tpl('controlplane.cluster.x-k8s.io', 'KubeadmControlPlaneTemplate') },
    workers: { machineDeployments: [mdClass('default-worker')] },
    ...spec,
  },
});

const usingCluster = (
  name: string,
  workers: Record<string, unknown>[] = [],
  version = 'v1.33.0',
): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'Cluster',
  metadata: { name, namespace: 'default' },
  spec: {
    topology: { classRef: { name: 'quick-start' }, version, workers: { machineDeployments: workers } },
  },
});

describe('ClusterClass webhook', () => {
  const hook = webhookFor('ClusterClass');

  it('refuses bad template references and duplicate worker classes', async () => {
    const cc = clusterClass({
      infrastructure: { templateRef: { apiVersion: 'a/b/c', kind: 'DevCluster', name: 'x' } },
      workers: { machineDeployments: [mdClass('w'), mdClass('w')] },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(cc, CREATE)), [
      'spec.infrastructure.ref.kind: Invalid value: "DevCluster": template kind must be of form "<name>Template"',
      'spec.infrastructure.ref.apiVersion: Invalid value: "a/b/c": template apiVersion must be a valid Kubernetes apiVersion: unexpected GroupVersion string: a/b/c',
      'spec.workers.machineDeployments[1].class: Invalid value: "w": MachineDeployment class must be unique. MachineDeployment with class "w" is defined more than once',
    ]);
  });

  it('refuses rollout limits both 0, control plane health checks without Machines, short startup timeouts', async () => {
    const cc = clusterClass({
      controlPlane: {
        templateRef: tpl('controlplane.cluster.x-k8s.io', 'KubeadmControlPlaneTemplate'),
        healthCheck: { checks: { nodeStartupTimeoutSeconds: 10 } },
      },
      workers: {
        machineDeployments: [
          mdClass('w', {
            rollout: {
              strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
            },
          }),
        ],
      },
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(cc, CREATE)), [
      'spec.workers.machineDeployments[w].rollout.strategy.rollingUpdate: Invalid value: "0": maxUnavailable and maxSurge cannot both be 0',
      'spec.controlPlane.healthCheck.checks.nodeStartupTimeoutSeconds: Invalid value: 10: must be at least 30s',
      'spec.controlPlane.healthCheck: Forbidden: can be only set if spec.controlPlane.machineInfrastructure is set',
    ]);
  });

  it('refuses naming templates that do not render and Kubernetes version lists with gaps', async () => {
    const cc = clusterClass({
      infrastructure: {
        templateRef: tpl('infrastructure.cluster.x-k8s.io', 'DevClusterTemplate'),
        naming: { template: '{{ .cluster.name }}-{{ .machineDeployment.topologyName }}' },
      },
      kubernetesVersions: ['v1.31.0', 'v1.33.0', 'v1.32.0'],
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(cc, CREATE)), [
      'spec.infrastructure.naming.template: Invalid value: "{{ .cluster.name }}-{{ .machineDeployment.topologyName }}": invalid InfraCluster name template: rendering template: template: template name generator:1:41: executing "template name generator" at <.machineDeployment.topologyName>: map has no entry for key "machineDeployment"',
      'spec.kubernetesVersion[1]: Invalid value: "v1.33.0": expecting a version with minor 31 or 32, found version 1.33.0',
      'spec.kubernetesVersion[2]: Invalid value: "v1.32.0": version must be greater than v1.33.0',
      'spec.kubernetesVersion[2]: Invalid value: "v1.32.0": expecting a version with minor 33 or 34, found version 1.32.0',
    ]);
  });

  it('refuses patches that leave /spec, use unknown variables or select nothing', async () => {
    const cc = clusterClass({
      variables: [{ name: 'registry', required: false, schema: { openAPIV3Schema: { type: 'string' } } }],
      patches: [
        {
          name: 'p',
          definitions: [
            {
              selector: { apiVersion: 'x/v1', kind: 'XTemplate', matchResources: {} },
              jsonPatches: [
                { op: 'add', path: '/metadata/labels', valueFrom: { variable: 'registry.host' } },
                { op: 'replace', path: '/spec/x/1', valueFrom: { variable: 'missing' } },
              ],
            },
          ],
        },
      ],
    });
    assert.deepEqual(await causes(() => hook.validator.validateCreate?.(cc, CREATE)), [
      'spec.patches[0].definitions[0].jsonPatches[0].path: Invalid value: "{\\n  \\"op\\": \\"add\\",\\n  \\"path\\": \\"/metadata/labels\\",\\n  \\"valueFrom\\": {\\n    \\"variable\\": \\"registry.host\\"\\n  }\\n}": jsonPatch path must start with "/spec"',
      'spec.patches[0].definitions[0].jsonPatches[1].path: Invalid value: "/spec/x/1": elements in arrays can not be accessed in a replace operation',
      'spec.patches[0].definitions[0].jsonPatches[1].valueFrom.variable: Invalid value: "missing": variable with name missing cannot be found',
      'spec.patches[0].definitions[0].selector: Invalid value: "{\\n  \\"apiVersion\\": \\"x/v1\\",\\n  \\"kind\\": \\"XTemplate\\"\\n}": no selector enabled',
    ]);
  });

  it('on update keeps template kinds, and classes and versions Clusters use', async () => {
    const reader = new FakeClient();
    reader.seed(usingCluster('c-1', [{ class: 'default-worker', name: 'md-0' }], 'v1.32.0'));
    const withReader = webhookFor('ClusterClass', { reader });
    const old = clusterClass();
    const changed = clusterClass({
      infrastructure: { templateRef: tpl('infrastructure.cluster.x-k8s.io', 'OtherClusterTemplate') },
      workers: { machineDeployments: [mdClass('gpu')] },
      kubernetesVersions: ['v1.33.0'],
    });
    assert.deepEqual(await causes(() => withReader.validator.validateUpdate?.(old, changed, updateOf(old))), [
      'spec.infrastructure.templateRef.kind: Forbidden: kind cannot be changed from "DevClusterTemplate" to "OtherClusterTemplate" to prevent incompatible changes in the Clusters',
      'spec.kubernetesVersions: Forbidden: Kubernetes Version v1.32.0 is used by Cluster "c-1" but not set in ClusterClass',
      'spec.workers.machineDeployments: Forbidden: MachineDeploymentClass "default-worker" cannot be deleted because it is used by Cluster "c-1"',
    ]);
  });

  it('refuses deletion while Clusters use the ClusterClass', async () => {
    const reader = new FakeClient();
    for (const name of ['a', 'b', 'c', 'd']) reader.seed(usingCluster(name));
    const withReader = webhookFor('ClusterClass', { reader });
    const err = await denial(() => withReader.validator.validateDelete?.(clusterClass(), DELETE));
    assert.equal(err.code, 403);
    assert.equal(
      err.message,
      'ClusterClass.cluster.x-k8s.io "quick-start" is forbidden: ClusterClass cannot be deleted because it is used by Cluster(s): default/a, default/b, default/c, ... (1 more)',
    );
    await withReader.validator.validateDelete?.(
      { ...clusterClass(), metadata: { name: 'unused', namespace: 'default' } },
      DELETE,
    );
  });

  it('refuses variables with reserved or duplicate names and schemas that do not compile', async () => {
    const variable = (name: string, openAPIV3Schema: Record<string, unknown>) => ({
      name,
      required: false,
      schema: { openAPIV3Schema },
    });
    const cc = clusterClass({
      variables: [
        variable('builtin', { type: 'string' }),
        variable('cpu', { type: 'integer', default: 'two' }),
        variable('cpu', { type: 'integer' }),
        variable('list', { type: 'array', items: { type: 'string' }, uniqueItems: true }),
      ],
    });
    const got = await causes(() => hook.validator.validateCreate?.(cc, CREATE));
    assert.deepEqual(
      got.map((c) => c.split(': ')[0]),
      [
        'spec.variables[cpu].name',
        'spec.variables[builtin].name',
        'spec.variables[cpu].schema.openAPIV3Schema.default',
      ],
    );
    assert.match(got[1] ?? '', /"builtin" is a reserved variable name/);
    await hook.validator.validateCreate?.(
      clusterClass({ variables: [variable('cpu', { type: 'integer', minimum: 1, default: 2 })] }),
      CREATE,
    );
  });
});
