import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sprintf } from './format.js';

describe('sprintf', () => {
  it('supports the verbs Go controllers use in event messages', () => {
    assert.equal(sprintf('%s/%v %d %q %t %%', 'ns', 'name', 3.7, 'x', true), 'ns/name 3 "x" true %');
    assert.equal(sprintf('%.2f', 1.005), '1.00');
    assert.equal(sprintf('err: %v', new Error('boom')), 'err: boom');
    assert.equal(sprintf('%v', { a: 1 }), '{ a: 1 }');
  });

  it('reports missing and extra arguments instead of throwing', () => {
    assert.equal(sprintf('%s and %s', 'one'), 'one and %!s(MISSING)');
    assert.equal(sprintf('only %s', 'one', 'two'), 'only one%!(EXTRA two)');
  });
});
