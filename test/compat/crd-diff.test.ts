import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CrdLike, diffCrd } from './crd-diff.js';

const base = (): CrdLike => ({
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: {
      kind: 'Widget',
      plural: 'widgets',
      singular: 'widget',
      listKind: 'WidgetList',
      shortNames: ['wd'],
    },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }],
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                required: ['size'],
                properties: {
                  size: { type: 'integer', format: 'int32', minimum: 0, description: 'theirs' },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                },
              },
            },
          },
        },
      },
    ],
  },
});

describe('diffCrd', () => {
  it('finds nothing between equal CRDs and ignores descriptions', () => {
    const ours = base();
    const size = ours.spec.versions[0]?.schema?.openAPIV3Schema?.properties?.spec?.properties?.size;
    if (size) size.description = 'ours, in our words';
    const result = diffCrd(ours, base(), 'v1');
    assert.deepEqual(result.differences, []);
    assert.equal(result.matchedFields, result.upstreamFields);
    assert.equal(result.upstreamFields, 4); // spec, spec.size, spec.tags, spec.tags[]
  });

  it('reports each kind of drift with its path', () => {
    const ours = base();
    const v = ours.spec.versions[0];
    const spec = v?.schema?.openAPIV3Schema?.properties?.spec;
    assert.ok(v && spec?.properties);
    spec.required = [];
    (spec.properties.size as { minimum?: number }).minimum = 1;
    delete spec.properties.tags;
    spec.properties.extra = { type: 'string' };
    v.additionalPrinterColumns = [];
    ours.spec.names.shortNames = [];
    const found = diffCrd(ours, base(), 'v1').differences.map(
      (d) => `${d.where.split(':')[1] ?? ''} ${d.what}`,
    );
    assert.deepEqual(found.sort(), [
      '(crd) additionalPrinterColumns',
      '(crd) names.shortNames',
      'spec required',
      'spec.extra extra field',
      'spec.size minimum',
      'spec.tags missing field',
    ]);
  });
});
