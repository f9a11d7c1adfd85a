import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { builtinResources, findBuiltinResource } from './builtin-resources.js';
import { validateBuiltinName } from './define.js';

const ALL = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const get = (group: string, plural: string) => {
  const def = findBuiltinResource(group, plural);
  assert.ok(def, `${group}/${plural} is defined`);
  return def;
};

describe('builtinResources consistency', () => {
  it('uses lower-case plural/singular names and <Kind>List list kinds', () => {
    for (const d of builtinResources) {
      assert.equal(d.plural, d.plural.toLowerCase(), d.kind);
      assert.equal(d.singular, d.singular.toLowerCase(), d.kind);
      assert.equal(d.singular, d.kind.toLowerCase(), d.kind);
      assert.equal(d.listKind, `${d.kind}List`);
      assert.ok(d.schema, `${d.kind} has a schema`);
      assert.equal(d.strategy.allowUnconditionalUpdate, true, d.kind);
    }
  });

  it('has unique (group, plural) pairs and unique short names', () => {
    const pairs = builtinResources.map((d) => `${d.group}/${d.plural}`);
    assert.equal(new Set(pairs).size, pairs.length);
    // `ev` is shared on purpose: core/v1 and events.k8s.io/v1 events are the same resource, as upstream.
    const shortNames = builtinResources
      .filter((d) => d.group !== 'events.k8s.io')
      .flatMap((d) => d.shortNames);
    assert.equal(new Set(shortNames).size, shortNames.length);
  });

  it('declares apiVersion, kind and metadata at the top of every schema', () => {
    for (const d of builtinResources) {
      for (const p of ['apiVersion', 'kind', 'metadata'])
        assert.ok(d.schema?.properties?.[p], `${d.kind}.${p}`);
    }
  });
});

describe('discovery facts', () => {
  const cases: [
    string,
    string,
    { kind: string; namespaced: boolean; shortNames: string[]; categories: string[]; verbs?: string[] },
  ][] = [
    [
      '',
      'namespaces',
      {
        kind: 'Namespace',
        namespaced: false,
        shortNames: ['ns'],
        categories: [],
        verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'],
      },
    ],
    ['', 'configmaps', { kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], categories: [] }],
    ['', 'secrets', { kind: 'Secret', namespaced: true, shortNames: [], categories: [] }],
    ['', 'events', { kind: 'Event', namespaced: true, shortNames: ['ev'], categories: [] }],
    ['', 'serviceaccounts', { kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], categories: [] }],
    ['', 'nodes', { kind: 'Node', namespaced: false, shortNames: ['no'], categories: [] }],
    [
      '',
      'persistentvolumes',
      { kind: 'PersistentVolume', namespaced: false, shortNames: ['pv'], categories: [] },
    ],
    ['', 'pods', { kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'] }],
    ['', 'services', { kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'] }],
    [
      'apps',
      'deployments',
      { kind: 'Deployment', namespaced: true, shortNames: ['deploy'], categories: ['all'] },
    ],
    ['apps', 'daemonsets', { kind: 'DaemonSet', namespaced: true, shortNames: ['ds'], categories: ['all'] }],
    [
      'policy',
      'poddisruptionbudgets',
      { kind: 'PodDisruptionBudget', namespaced: true, shortNames: ['pdb'], categories: [] },
    ],
    ['coordination.k8s.io', 'leases', { kind: 'Lease', namespaced: true, shortNames: [], categories: [] }],
    [
      'storage.k8s.io',
      'volumeattachments',
      { kind: 'VolumeAttachment', namespaced: false, shortNames: [], categories: [] },
    ],
    ['events.k8s.io', 'events', { kind: 'Event', namespaced: true, shortNames: ['ev'], categories: [] }],
    [
      'rbac.authorization.k8s.io',
      'clusterroles',
      { kind: 'ClusterRole', namespaced: false, shortNames: [], categories: [] },
    ],
    [
      'rbac.authorization.k8s.io',
      'rolebindings',
      { kind: 'RoleBinding', namespaced: true, shortNames: [], categories: [] },
    ],
    [
      'apiextensions.k8s.io',
      'customresourcedefinitions',
      {
        kind: 'CustomResourceDefinition',
        namespaced: false,
        shortNames: ['crd', 'crds'],
        categories: ['api-extensions'],
      },
    ],
    [
      'authorization.k8s.io',
      'selfsubjectaccessreviews',
      {
        kind: 'SelfSubjectAccessReview',
        namespaced: false,
        shortNames: [],
        categories: [],
        verbs: ['create'],
      },
    ],
    [
      'authorization.k8s.io',
      'localsubjectaccessreviews',
      {
        kind: 'LocalSubjectAccessReview',
        namespaced: true,
        shortNames: [],
        categories: [],
        verbs: ['create'],
      },
    ],
    [
      'authentication.k8s.io',
      'tokenreviews',
      { kind: 'TokenReview', namespaced: false, shortNames: [], categories: [], verbs: ['create'] },
    ],
    [
      'authentication.k8s.io',
      'selfsubjectreviews',
      { kind: 'SelfSubjectReview', namespaced: false, shortNames: [], categories: [], verbs: ['create'] },
    ],
  ];
  for (const [group, plural, expected] of cases) {
    it(`${plural}.${group || 'core'}`, () => {
      const d = get(group, plural);
      assert.equal(d.kind, expected.kind);
      assert.equal(d.namespaced, expected.namespaced);
      assert.deepEqual(d.shortNames, expected.shortNames);
      assert.deepEqual(d.categories, expected.categories);
      assert.deepEqual(d.verbs, expected.verbs ?? ALL);
    });
  }

  it('lists the subresources served', () => {
    assert.deepEqual(get('', 'namespaces').subresources.others, [
      { name: 'finalize', group: '', version: 'v1', kind: 'Namespace', verbs: ['update'] },
    ]);
    assert.deepEqual(get('', 'pods').subresources.others, [
      { name: 'eviction', group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
    ]);
    assert.deepEqual(get('', 'serviceaccounts').subresources.others, [
      {
        name: 'token',
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ]);
    assert.deepEqual(get('apps', 'deployments').subresources.scale, {
      specReplicasPath: '.spec.replicas',
      statusReplicasPath: '.status.replicas',
      labelSelectorPath: '.spec.selector',
    });
    for (const [g, p] of [
      ['', 'pods'],
      ['', 'nodes'],
      ['', 'namespaces'],
      ['', 'services'],
      ['apps', 'deployments'],
      ['apps', 'daemonsets'],
      ['policy', 'poddisruptionbudgets'],
      ['', 'persistentvolumes'],
      ['storage.k8s.io', 'volumeattachments'],
      ['apiextensions.k8s.io', 'customresourcedefinitions'],
    ] as const) {
      assert.equal(get(g, p).subresources.status, true, `${p}/status`);
    }
    assert.equal(get('', 'configmaps').subresources.status, undefined);
  });

  it('tracks generation where upstream does', () => {
    const withGeneration = builtinResources
      .filter((d) => d.strategy.hasGeneration)
      .map((d) => d.plural)
      .sort();
    assert.deepEqual(withGeneration, [
      'customresourcedefinitions',
      'daemonsets',
      'deployments',
      'mutatingwebhookconfigurations',
      'poddisruptionbudgets',
      'validatingwebhookconfigurations',
    ]);
  });

  it('derives strategic-merge keys from the schema tags', () => {
    const pod = get('', 'pods').strategicMerge;
    assert.equal(pod?.listMergeKeys['metadata.ownerReferences'], 'uid');
    assert.equal(pod?.listMergeKeys['metadata.finalizers'], '');
    assert.equal(pod?.listMergeKeys['spec.containers'], 'name');
    assert.equal(pod?.listMergeKeys['spec.containers[].env'], 'name');
    assert.equal(pod?.listMergeKeys['spec.containers[].ports'], 'containerPort');
    assert.equal(pod?.listMergeKeys['spec.volumes'], 'name');
    assert.equal(pod?.listMergeKeys['status.conditions'], 'type');
    assert.equal(pod?.listMergeKeys['spec.tolerations'], undefined);
    const deploy = get('apps', 'deployments').strategicMerge;
    assert.equal(deploy?.listMergeKeys['spec.template.spec.containers[].volumeMounts'], 'mountPath');
    assert.equal(get('', 'nodes').strategicMerge?.listMergeKeys['spec.taints'], undefined);
    assert.equal(get('', 'nodes').strategicMerge?.listMergeKeys['spec.podCIDRs'], '');
    assert.equal(get('', 'namespaces').strategicMerge?.listMergeKeys['spec.finalizers'], undefined);
    assert.equal(
      get('rbac.authorization.k8s.io', 'rolebindings').strategicMerge?.listMergeKeys.subjects,
      undefined,
    );
    assert.equal(get('authorization.k8s.io', 'subjectaccessreviews').strategicMerge, undefined);
  });

  it('applies each kind its own name rule', () => {
    assert.deepEqual(
      validateBuiltinName(get('rbac.authorization.k8s.io', 'clusterroles'), 'system:controller:x'),
      [],
    );
    assert.deepEqual(validateBuiltinName(get('rbac.authorization.k8s.io', 'clusterroles'), 'a/b'), [
      "may not contain '/'",
    ]);
    assert.equal(validateBuiltinName(get('', 'services'), '1svc').length, 1);
    assert.deepEqual(validateBuiltinName(get('', 'configmaps'), 'a.b.c'), []);
  });
});
