import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonDiff } from './json-diff.js';

describe('jsonDiff', () => {
  it('names each changed leaf by its path, old value first', () => {
    assert.equal(
      jsonDiff(
        { backend: { docker: { customImage: 'a', preLoadImages: ['x'] } } },
        { backend: { docker: { customImage: 'b', preLoadImages: ['x', 'y'] }, inMemory: {} } },
      ),
      [
        '- backend.docker.customImage: "a"',
        '+ backend.docker.customImage: "b"',
        '- backend.docker.preLoadImages: ["x"]',
        '+ backend.docker.preLoadImages: ["x","y"]',
        '+ backend.inMemory: {}',
      ].join('\n'),
    );
  });

  it('is empty for equal values, whatever the key order or undefined members', () => {
    assert.equal(jsonDiff({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1, d: undefined }), '');
    assert.equal(jsonDiff(1, 2), '- .: 1\n+ .: 2');
  });
});
