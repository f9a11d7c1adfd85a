import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldPath } from './field-path.js';
import {
  cidrError,
  isDNS1123Subdomain,
  isLabelKey,
  validateAnnotations,
  validateObjectMeta,
} from './validation.js';

describe('content validation', () => {
  it('checks label keys with an optional DNS prefix', () => {
    assert.deepEqual(isLabelKey('cluster.x-k8s.io/cluster-name'), []);
    assert.deepEqual(isLabelKey('/name'), ['prefix part must be non-empty']);
    assert.deepEqual(isLabelKey(`${'a'.repeat(64)}`), ['name part must be no more than 63 bytes']);
  });

  it('checks object names and CIDRs', () => {
    assert.deepEqual(isDNS1123Subdomain('web-1.example'), []);
    assert.equal(isDNS1123Subdomain('Web').length, 1);
    assert.equal(cidrError('10.0.0.0/8'), undefined);
    assert.equal(cidrError('fd00::/64'), undefined);
    assert.equal(cidrError('10.0.0.0'), 'invalid CIDR address: 10.0.0.0');
    assert.equal(cidrError('fd00::/129'), 'invalid CIDR address: fd00::/129');
  });

  it('limits annotations to 256 KiB in total', () => {
    const errs = validateAnnotations(
      { big: 'x'.repeat(256 * 1024) },
      FieldPath.of('metadata', 'annotations'),
    );
    assert.deepEqual(errs, [
      {
        type: 'FieldValueTooLong',
        field: 'metadata.annotations',
        detail: 'Too long: may not be more than 262144 bytes',
      },
    ]);
  });

  it('reports bad labels and annotation keys of embedded metadata on the map paths', () => {
    const errs = validateObjectMeta(
      { labels: { 'a/b/c': 'ok', ok: 'bad value' }, annotations: { 'example.com/ok': 'x', '-bad': 'y' } },
      FieldPath.of('spec', 'template', 'metadata'),
    );
    assert.deepEqual(
      errs.map((e) => e.field),
      [
        'spec.template.metadata.labels',
        'spec.template.metadata.labels',
        'spec.template.metadata.annotations',
      ],
    );
    assert.deepEqual(validateObjectMeta(undefined, FieldPath.of('metadata')), []);
  });
});
