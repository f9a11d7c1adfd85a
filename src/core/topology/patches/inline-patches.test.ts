import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  applyInlinePatches,
  type ApplyInlinePatchesInput,
  type ClusterClassPatch,
  type DesiredTemplates,
  type JSONPatch,
  isPatchError,
  PatchErrorReason,
  PatchInputError,
  type PatchSelector,
  type TemplateObject,
} from './inline-patches.js';

const INFRA = 'infrastructure.cluster.x-k8s.io/v1beta2';
const CP = 'controlplane.cluster.x-k8s.io/v1beta2';
const BOOTSTRAP = 'bootstrap.cluster.x-k8s.io/v1beta2';

const tpl = (
  apiVersion: string,
  kind: string,
  name: string,
  spec: Record<string, unknown> = {},
): TemplateObject => ({
  apiVersion,
  kind,
  metadata: { name, namespace: 'ns1' },
  spec: { template: { spec } },
});

function desired(): DesiredTemplates {
  return {
    infrastructureClusterTemplate: tpl(INFRA, 'DevClusterTemplate', 'cluster'),
    controlPlaneTemplate: tpl(CP, 'KubeadmControlPlaneTemplate', 'cp', { kubeadmConfigSpec: {} }),
    controlPlaneInfrastructureMachineTemplate: tpl(INFRA, 'DevMachineTemplate', 'cp-machine'),
    machineDeployments: {
      'md-0': {
        class: 'default-worker',
        bootstrapTemplate: tpl(BOOTSTRAP, 'KubeadmConfigTemplate', 'md-0-bootstrap'),
        infrastructureTemplate: tpl(INFRA, 'DevMachineTemplate', 'md-0-machine'),
      },
      'md-1': {
        class: 'gpu-pool',
        bootstrapTemplate: tpl(BOOTSTRAP, 'KubeadmConfigTemplate', 'md-1-bootstrap'),
        infrastructureTemplate: tpl(INFRA, 'DevMachineTemplate', 'md-1-machine'),
        variableOverrides: [{ name: 'flavor', value: 'large' }],
      },
    },
  };
}

function input(patches: ClusterClassPatch[], d: DesiredTemplates = desired()): ApplyInlinePatchesInput {
  return {
    patches,
    clusterVariables: [
      { name: 'flavor', value: 'small' },
      { name: 'proxy', value: { url: 'http://proxy:3128' } },
    ],
    builtins: {
      cluster: { name: 'c1', namespace: 'ns1', topology: { version: 'v1.31.0', class: 'quick-start' } },
      controlPlane: { name: 'c1-cp', version: 'v1.31.0', replicas: 3 },
      machineDeployments: {
        'md-0': { class: 'default-worker', topologyName: 'md-0', name: 'c1-md-0', version: 'v1.30.2' },
        'md-1': { class: 'gpu-pool', topologyName: 'md-1', name: 'c1-md-1', version: 'v1.31.0' },
      },
    },
    desired: d,
  };
}

const setMarker = (
  apiVersion: string,
  kind: string,
  matchResources: PatchSelector['matchResources'],
  name = 'marker',
): ClusterClassPatch => ({
  name,
  definitions: [
    {
      selector: { apiVersion, kind, matchResources },
      jsonPatches: [{ op: 'add', path: '/spec/template/spec/marker', value: name }],
    },
  ],
});

const marker = (o: TemplateObject | undefined): unknown =>
  (o?.spec?.template as { spec: { marker?: unknown } } | undefined)?.spec.marker;

describe('applyInlinePatches selectors', () => {
  it('matches the infrastructure cluster only with infrastructureCluster', () => {
    const out = applyInlinePatches(
      input([setMarker(INFRA, 'DevClusterTemplate', { infrastructureCluster: true })]),
    );
    assert.equal(marker(out.desired.infrastructureClusterTemplate), 'marker');
    const none = applyInlinePatches(input([setMarker(INFRA, 'DevClusterTemplate', { controlPlane: true })]));
    assert.equal(marker(none.desired.infrastructureClusterTemplate), undefined);
  });

  it('matches the control plane machine template with controlPlane, not the worker templates of that kind', () => {
    const out = applyInlinePatches(input([setMarker(INFRA, 'DevMachineTemplate', { controlPlane: true })]));
    assert.equal(marker(out.desired.controlPlaneInfrastructureMachineTemplate), 'marker');
    assert.equal(marker(out.desired.machineDeployments?.['md-0']?.infrastructureTemplate), undefined);
  });

  it('matches MachineDeployment classes by exact name, prefix*, *suffix and *', () => {
    const run = (names: string[]) => {
      const out = applyInlinePatches(
        input([setMarker(BOOTSTRAP, 'KubeadmConfigTemplate', { machineDeploymentClass: { names } })]),
      );
      return ['md-0', 'md-1'].filter((md) => marker(out.desired.machineDeployments?.[md]?.bootstrapTemplate));
    };
    assert.deepEqual(run(['default-worker']), ['md-0']);
    assert.deepEqual(run(['gpu-*']), ['md-1']);
    assert.deepEqual(run(['*-worker']), ['md-0']);
    assert.deepEqual(run(['*']), ['md-0', 'md-1']);
    assert.deepEqual(run(['other']), []);
  });

  it('requires apiVersion and kind to match', () => {
    const out = applyInlinePatches(
      input([
        setMarker('infrastructure.cluster.x-k8s.io/v1beta1', 'DevClusterTemplate', {
          infrastructureCluster: true,
        }),
      ]),
    );
    assert.equal(marker(out.desired.infrastructureClusterTemplate), undefined);
    assert.deepEqual(
      out.templates.flatMap((t) => t.changedBy),
      [],
    );
  });
});

describe('applyInlinePatches values', () => {
  const flavorPatch: ClusterClassPatch = {
    name: 'flavor',
    definitions: [
      {
        selector: {
          apiVersion: INFRA,
          kind: 'DevMachineTemplate',
          matchResources: { machineDeploymentClass: { names: ['*'] } },
        },
        jsonPatches: [
          { op: 'add', path: '/spec/template/spec/flavor', valueFrom: { variable: 'flavor' } },
          {
            op: 'add',
            path: '/spec/template/spec/image',
            valueFrom: {
              template: 'img-{{ .builtin.machineDeployment.version }}-{{ .builtin.cluster.name }}',
            },
          },
        ],
      },
    ],
  };

  it('lets MachineDeployment overrides win and renders MachineDeployment builtins per target', () => {
    const out = applyInlinePatches(input([flavorPatch]));
    const spec = (md: string) =>
      (out.desired.machineDeployments?.[md]?.infrastructureTemplate.spec?.template as { spec: unknown }).spec;
    assert.deepEqual(spec('md-0'), { flavor: 'small', image: 'img-v1.30.2-c1' });
    assert.deepEqual(spec('md-1'), { flavor: 'large', image: 'img-v1.31.0-c1' });
  });

  it('reads dotted paths into object variables and decodes templates as YAML', () => {
    const out = applyInlinePatches(
      input([
        {
          name: 'proxy',
          definitions: [
            {
              selector: {
                apiVersion: CP,
                kind: 'KubeadmControlPlaneTemplate',
                matchResources: { controlPlane: true },
              },
              jsonPatches: [
                { op: 'add', path: '/spec/template/spec/proxyURL', valueFrom: { variable: 'proxy.url' } },
                {
                  op: 'add',
                  path: '/spec/template/spec/replicasInfo',
                  valueFrom: { template: 'replicas: {{ .builtin.controlPlane.replicas }}\nok: true\n' },
                },
              ],
            },
          ],
        },
      ]),
    );
    const spec = (out.desired.controlPlaneTemplate.spec?.template as { spec: Record<string, unknown> }).spec;
    assert.equal(spec.proxyURL, 'http://proxy:3128');
    assert.deepEqual(spec.replicasInfo, { replicas: 3, ok: true });
  });

  it('applies patches in ClusterClass order, each on the result of the previous one', () => {
    const append = (name: string, value: string): ClusterClassPatch => ({
      name,
      definitions: [
        {
          selector: {
            apiVersion: CP,
            kind: 'KubeadmControlPlaneTemplate',
            matchResources: { controlPlane: true },
          },
          jsonPatches: [{ op: 'add', path: '/spec/template/spec/kubeadmConfigSpec/files/-', value }],
        },
      ],
    });
    const create: ClusterClassPatch = {
      name: 'create',
      definitions: [
        {
          selector: {
            apiVersion: CP,
            kind: 'KubeadmControlPlaneTemplate',
            matchResources: { controlPlane: true },
          },
          jsonPatches: [{ op: 'add', path: '/spec/template/spec/kubeadmConfigSpec/files', value: [] }],
        },
      ],
    };
    const out = applyInlinePatches(input([create, append('a', 'first'), append('b', 'second')]));
    const spec = (out.desired.controlPlaneTemplate.spec?.template as { spec: { kubeadmConfigSpec: unknown } })
      .spec;
    assert.deepEqual(spec.kubeadmConfigSpec, { files: ['first', 'second'] });
    const cp = out.templates.find((t) => t.target.role === 'controlPlane');
    assert.deepEqual(
      cp?.changedBy.map((c) => c.patch),
      ['create', 'a', 'b'],
    );
  });

  it('does not modify its input and lists only patches that changed an object', () => {
    const d = desired();
    const before = JSON.stringify(d);
    const patches: ClusterClassPatch[] = [
      flavorPatch,
      {
        name: 'noop',
        definitions: [
          {
            selector: {
              apiVersion: INFRA,
              kind: 'DevClusterTemplate',
              matchResources: { infrastructureCluster: true },
            },
            jsonPatches: [{ op: 'replace', path: '/spec/template/spec', value: {} }],
          },
        ],
      },
    ];
    const out = applyInlinePatches(input(patches, d));
    assert.equal(JSON.stringify(d), before);
    const changed = Object.fromEntries(
      out.templates.map((t) => [`${t.target.role}/${t.target.topologyName ?? ''}`, t.changedBy]),
    );
    assert.deepEqual(changed['machineDeploymentInfrastructure/md-0'], [
      { patch: 'flavor', definitionIndex: 0 },
    ]);
    assert.deepEqual(changed['infrastructureCluster/'], []);
  });

  it('keeps only spec changes, as upstream does', () => {
    const out = applyInlinePatches(
      input([
        {
          name: 'relabel',
          definitions: [
            {
              selector: {
                apiVersion: INFRA,
                kind: 'DevClusterTemplate',
                matchResources: { infrastructureCluster: true },
              },
              jsonPatches: [{ op: 'replace', path: '/metadata/name', value: 'renamed' }],
            },
          ],
        },
      ]),
    );
    assert.equal(out.desired.infrastructureClusterTemplate.metadata?.name, 'cluster');
  });

  it('reports external patches instead of applying them', () => {
    const out = applyInlinePatches(
      input([{ name: 'ext', external: { generatePatchesExtension: 'gen.my-extension' } }]),
    );
    assert.deepEqual(out.externalPatches, ['ext']);
  });
});

describe('applyInlinePatches enabledIf', () => {
  const guarded = (enabledIf: string): ClusterClassPatch => ({
    ...setMarker(INFRA, 'DevMachineTemplate', { machineDeploymentClass: { names: ['*'] } }, 'guarded'),
    enabledIf,
  });
  const marked = (enabledIf: string): string[] => {
    const out = applyInlinePatches(input([guarded(enabledIf)]));
    return ['md-0', 'md-1'].filter((md) =>
      marker(out.desired.machineDeployments?.[md]?.infrastructureTemplate),
    );
  };

  it('skips the patch when enabledIf does not render true', () => {
    assert.deepEqual(marked('{{ eq .flavor "none" }}'), []);
    assert.deepEqual(marked('{{ if .missing }}true{{ end }}'), []);
    assert.deepEqual(marked('True'), ['md-0', 'md-1']);
  });

  it('evaluates enabledIf per template, with its overrides and builtins', () => {
    assert.deepEqual(marked('{{ eq .flavor "large" }}'), ['md-1']);
    assert.deepEqual(marked('{{ semverCompare "< v1.31.0" .builtin.machineDeployment.version }}'), ['md-0']);
  });

  it('fails with a PatchError when enabledIf cannot render', () => {
    assert.throws(
      () => applyInlinePatches(input([guarded('{{ .flavor | nosuchfunc }}')])),
      (err) =>
        isPatchError(err) &&
        err.reason === PatchErrorReason.EnabledIf &&
        err.patch === 'guarded' &&
        /failed to calculate value for enabledIf: .*function "nosuchfunc" not defined/.test(err.message),
    );
  });
});

describe('applyInlinePatches errors', () => {
  const cpPatch = (jsonPatches: JSONPatch[]): ClusterClassPatch => ({
    name: 'broken',
    definitions: [
      {
        selector: {
          apiVersion: INFRA,
          kind: 'DevClusterTemplate',
          matchResources: { infrastructureCluster: true },
        },
        jsonPatches: [],
      },
      {
        selector: {
          apiVersion: CP,
          kind: 'KubeadmControlPlaneTemplate',
          matchResources: { controlPlane: true },
        },
        jsonPatches,
      },
    ],
  });

  it('names the patch, definition, target, pointer and missing variable', () => {
    assert.throws(
      () =>
        applyInlinePatches(
          input([
            cpPatch([
              { op: 'add', path: '/spec/template/spec/a', value: 1 },
              { op: 'add', path: '/spec/template/spec/registry', valueFrom: { variable: 'registry' } },
            ]),
          ]),
        ),
      (err) => {
        assert.ok(isPatchError(err));
        assert.equal(err.reason, PatchErrorReason.Value);
        assert.equal(err.patch, 'broken');
        assert.equal(err.definitionIndex, 1);
        assert.equal(err.jsonPatchIndex, 1);
        assert.equal(err.path, '/spec/template/spec/registry');
        assert.equal(err.target?.kind, 'KubeadmControlPlaneTemplate');
        assert.equal(err.target?.name, 'cp');
        assert.match(err.message, /failed to calculate value: variable "registry" does not exist$/);
        assert.match(
          err.message,
          /^failed to generate patches for patch "broken" definitions\[1\]\.jsonPatches\[1\]/,
        );
        return true;
      },
    );
  });

  it('rejects operations other than add, replace and remove', () => {
    const move = { op: 'move', path: '/spec/template/spec/b' } as unknown as { op: 'add'; path: string };
    assert.throws(
      () => applyInlinePatches(input([cpPatch([move])])),
      (err) =>
        isPatchError(err) &&
        err.reason === PatchErrorReason.InvalidOperation &&
        /unsupported JSON patch operation "move"/.test(err.message),
    );
  });

  it('fails to remove a path that does not exist', () => {
    assert.throws(
      () => applyInlinePatches(input([cpPatch([{ op: 'remove', path: '/spec/template/spec/missing' }])])),
      (err) =>
        isPatchError(err) &&
        err.reason === PatchErrorReason.Apply &&
        err.path === '/spec/template/spec/missing' &&
        /error applying json patch \(RFC6902\): remove/.test(err.message),
    );
  });

  it('fails to add below a missing parent', () => {
    assert.throws(
      () => applyInlinePatches(input([cpPatch([{ op: 'add', path: '/spec/template/spec/x/y', value: 1 }])])),
      (err) => isPatchError(err) && err.reason === PatchErrorReason.Apply,
    );
  });

  it('words value/valueFrom misuse as upstream does', () => {
    assert.throws(
      () => applyInlinePatches(input([cpPatch([{ op: 'add', path: '/spec/template/spec/a' }])])),
      /failed to calculate value: neither \.value nor \.valueFrom are set/,
    );
    assert.throws(
      () =>
        applyInlinePatches(
          input([
            cpPatch([
              { op: 'add', path: '/spec/template/spec/a', value: 1, valueFrom: { variable: 'flavor' } },
            ]),
          ]),
        ),
      /failed to calculate value: both \.value and \.valueFrom are set/,
    );
    assert.throws(
      () =>
        applyInlinePatches(
          input([cpPatch([{ op: 'add', path: '/spec/template/spec/a', valueFrom: { template: '{{ .a' } }])]),
        ),
      /failed to calculate value for template: failed to render template/,
    );
  });

  it('refuses a MachineDeployment without builtins', () => {
    const i = input([]);
    i.builtins = { ...i.builtins, machineDeployments: {} };
    assert.throws(() => applyInlinePatches(i), PatchInputError);
  });
});
