import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deploymentDefinition } from './deployment.js';
import { namespaceDefinition } from './namespace.js';
import { nodeDefinition } from './node.js';
import { podDisruptionBudgetDefinition } from './pod-disruption-budget.js';
import { podDefinition } from './pod.js';
import { serviceDefinition } from './service.js';
import {
  isStrategicMergePatchError,
  strategicMergePatch,
  type StrategicMergeSchemaWithReplace,
} from './strategic-merge-patch.js';

const schemaOf = (def: { strategicMerge?: StrategicMergeSchemaWithReplace }) => {
  assert.ok(def.strategicMerge);
  return def.strategicMerge;
};
const podSchema = schemaOf(podDefinition);

const pod = (containers: unknown[], extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', labels: { a: '1', b: '2' }, finalizers: ['x/a', 'x/b'] },
  spec: { containers, ...extra },
});

interface Case {
  name: string;
  original: unknown;
  patch: unknown;
  expected: unknown;
  schema?: StrategicMergeSchemaWithReplace;
}

const cases: Case[] = [
  {
    name: 'kubectl cordon sets spec.unschedulable',
    original: { metadata: { name: 'n1' }, spec: { providerID: 'x' } },
    patch: { spec: { unschedulable: true } },
    expected: { metadata: { name: 'n1' }, spec: { providerID: 'x', unschedulable: true } },
    schema: schemaOf(nodeDefinition),
  },
  {
    name: 'labels merge and null deletes a label',
    original: pod([]),
    patch: { metadata: { labels: { b: null, c: '3' } } },
    expected: { ...pod([]), metadata: { ...pod([]).metadata, labels: { a: '1', c: '3' } } },
  },
  {
    name: 'containers merge by name and env merges by name inside them',
    original: pod([
      {
        name: 'app',
        image: 'v1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '2' },
        ],
      },
      { name: 'side', image: 's1' },
    ]),
    patch: {
      spec: {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'B', value: '3' },
              { name: 'C', value: '4' },
            ],
          },
        ],
      },
    },
    expected: pod([
      {
        name: 'app',
        image: 'v1',
        env: [
          { name: 'A', value: '1' },
          { name: 'B', value: '3' },
          { name: 'C', value: '4' },
        ],
      },
      { name: 'side', image: 's1' },
    ]),
  },
  {
    // Without $setElementOrder, items the live list does not know go before the server-only ones.
    name: 'a new list item goes first when no order is given',
    original: pod([{ name: 'a' }, { name: 'b' }]),
    patch: { spec: { containers: [{ name: 'c', image: 'c1' }] } },
    expected: pod([{ name: 'c', image: 'c1' }, { name: 'a' }, { name: 'b' }]),
  },
  {
    name: '$patch: delete removes a list item by merge key',
    original: pod([{ name: 'a' }, { name: 'b' }]),
    patch: { spec: { containers: [{ name: 'a', $patch: 'delete' }] } },
    expected: pod([{ name: 'b' }]),
  },
  {
    name: '$patch: replace in a list replaces the whole list',
    original: pod([{ name: 'a', image: 'a1' }, { name: 'b' }]),
    patch: { spec: { containers: [{ name: 'x', image: 'x1' }, { $patch: 'replace' }] } },
    expected: pod([{ name: 'x', image: 'x1' }]),
  },
  {
    name: '$patch: replace on a map replaces the map',
    original: pod([]),
    patch: { metadata: { labels: { $patch: 'replace', z: '9' } } },
    expected: { ...pod([]), metadata: { ...pod([]).metadata, labels: { z: '9' } } },
  },
  {
    name: '$patch: delete on a map empties it',
    original: pod([]),
    patch: { metadata: { labels: { $patch: 'delete' } } },
    expected: { ...pod([]), metadata: { ...pod([]).metadata, labels: {} } },
  },
  {
    name: '$setElementOrder reorders a merged list',
    original: pod([{ name: 'a' }, { name: 'b' }, { name: 'c' }]),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'c' }, { name: 'a' }, { name: 'b' }],
        containers: [{ name: 'a', image: 'a2' }],
      },
    },
    expected: pod([{ name: 'c' }, { name: 'a', image: 'a2' }, { name: 'b' }]),
  },
  {
    name: 'kubectl apply adds a container at the end via $setElementOrder',
    original: pod([{ name: 'a' }, { name: 'b' }]),
    patch: {
      spec: {
        '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }, { name: 'c' }],
        containers: [{ name: 'c', image: 'c1' }],
      },
    },
    expected: pod([{ name: 'a' }, { name: 'b' }, { name: 'c', image: 'c1' }]),
  },
  {
    name: '$retainKeys drops keys that are not listed (Deployment strategy)',
    original: {
      spec: {
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      },
    },
    patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } },
    expected: { spec: { strategy: { type: 'Recreate' } } },
    schema: schemaOf(deploymentDefinition),
  },
  {
    name: 'metadata.finalizers merge as a set',
    original: pod([]),
    patch: { metadata: { finalizers: ['x/b', 'x/c'] } },
    expected: { ...pod([]), metadata: { ...pod([]).metadata, finalizers: ['x/a', 'x/b', 'x/c'] } },
  },
  {
    name: '$deleteFromPrimitiveList removes finalizers',
    original: pod([]),
    patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['x/a'] } },
    expected: { ...pod([]), metadata: { ...pod([]).metadata, finalizers: ['x/b'] } },
  },
  {
    name: 'lists without a merge key (tolerations) are replaced whole',
    original: pod([], { tolerations: [{ key: 'a', operator: 'Exists' }] }),
    patch: { spec: { tolerations: [{ key: 'b', operator: 'Exists' }] } },
    expected: pod([], { tolerations: [{ key: 'b', operator: 'Exists' }] }),
  },
  {
    name: 'node taints have no patch strategy: replaced whole',
    original: { spec: { taints: [{ key: 'a', effect: 'NoSchedule' }] } },
    patch: { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] } },
    expected: { spec: { taints: [{ key: 'b', effect: 'NoSchedule' }] } },
    schema: schemaOf(nodeDefinition),
  },
  {
    name: 'namespace spec.finalizers is a plain list: replaced',
    original: { spec: { finalizers: ['kubernetes'] } },
    patch: { spec: { finalizers: ['x/y'] } },
    expected: { spec: { finalizers: ['x/y'] } },
    schema: schemaOf(namespaceDefinition),
  },
  {
    name: 'PDB spec.selector (patchStrategy replace) is replaced, not merged',
    original: { spec: { selector: { matchLabels: { app: 'a', tier: 'web' } } } },
    patch: { spec: { selector: { matchLabels: { app: 'b' } } } },
    expected: { spec: { selector: { matchLabels: { app: 'b' } } } },
    schema: schemaOf(podDisruptionBudgetDefinition),
  },
  {
    name: 'service ports merge by port',
    original: {
      spec: {
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 8080 },
          { port: 443, protocol: 'TCP' },
        ],
      },
    },
    patch: { spec: { ports: [{ port: 80, targetPort: 9090 }] } },
    expected: {
      spec: {
        ports: [
          { port: 80, protocol: 'TCP', targetPort: 9090 },
          { port: 443, protocol: 'TCP' },
        ],
      },
    },
    schema: schemaOf(serviceDefinition),
  },
  {
    name: 'nulls inside a new value are discarded',
    original: { metadata: { name: 'p' } },
    patch: { metadata: { annotations: { a: 'x', b: null } } },
    expected: { metadata: { name: 'p', annotations: { a: 'x' } } },
  },
  {
    name: 'status.conditions merge by type',
    original: {
      status: {
        conditions: [
          { type: 'Ready', status: 'False' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    },
    patch: { status: { conditions: [{ type: 'Ready', status: 'True' }] } },
    expected: {
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'PodScheduled', status: 'True' },
        ],
      },
    },
  },
  {
    name: 'a null patch changes nothing',
    original: { metadata: { name: 'p' } },
    patch: null,
    expected: { metadata: { name: 'p' } },
  },
];

describe('strategicMergePatch', () => {
  for (const c of cases) {
    it(c.name, () => {
      const patch = JSON.parse(JSON.stringify(c.patch)) as unknown;
      assert.deepEqual(strategicMergePatch(c.original, patch, c.schema ?? podSchema), c.expected);
    });
  }

  it('does not modify its arguments', () => {
    const original = pod([{ name: 'a' }]);
    const patch = { spec: { containers: [{ name: 'a', $patch: 'delete' }] } };
    const before = JSON.stringify([original, patch]);
    strategicMergePatch(original, patch, podSchema);
    assert.equal(JSON.stringify([original, patch]), before);
  });

  it('interleaves server-only items by their live positions (kubectl ordering)', () => {
    const original = { metadata: { finalizers: ['a', 'b'] } };
    const result = strategicMergePatch(original, { metadata: { finalizers: ['c', 'a'] } }, podSchema);
    assert.deepEqual(result, { metadata: { finalizers: ['c', 'a', 'b'] } });
  });

  const failures: { name: string; patch: unknown; code: number; message: string; original?: unknown }[] = [
    {
      name: '$retainKeys that is not a list',
      patch: { spec: { $retainKeys: 'type' } },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a patch key missing from $retainKeys',
      patch: { spec: { $retainKeys: ['a'], b: 1 } },
      code: 400,
      message: 'invalid patch format of retainKeys',
    },
    {
      name: 'a $setElementOrder without a list name',
      patch: { spec: { $setElementOrder: [] } },
      code: 400,
      message: 'invalid patch format of setElementOrder list',
    },
    {
      name: 'an unknown $patch value',
      patch: { metadata: { labels: { $patch: 'frobnicate' } } },
      code: 500,
      message: 'unknown patch type: frobnicate in map: map[$patch:frobnicate]',
    },
    {
      name: 'a merge-list item without its merge key',
      patch: { spec: { containers: [{ image: 'x' }] } },
      code: 500,
      message: 'map: map[image:x] does not contain declared merge key: name',
    },
    {
      name: '$patch: merge inside a list',
      patch: { spec: { containers: [{ $patch: 'merge' }] } },
      code: 500,
      message: 'merging lists cannot yet be specified in the patch',
    },
    {
      name: 'a list of lists',
      original: { metadata: { finalizers: [] } },
      patch: { metadata: { finalizers: [['a']] } },
      code: 422,
      message: 'lists of lists are not supported',
    },
    {
      name: 'mixed element types in a merge list',
      patch: { metadata: { finalizers: [1] } },
      code: 500,
      message: 'list element types are not identical: [[x/a x/b] [1]]',
    },
    {
      name: 'a patch body that is not an object',
      patch: ['x'],
      code: 400,
      message: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    },
  ];
  for (const f of failures) {
    it(`refuses ${f.name} with ${f.code}`, () => {
      assert.throws(
        () => strategicMergePatch(f.original ?? pod([{ name: 'a' }]), f.patch, podSchema),
        (err: unknown) => {
          assert.ok(isStrategicMergePatchError(err));
          assert.equal(err.code, f.code);
          assert.equal(err.message, f.message);
          return true;
        },
      );
    });
  }
});
