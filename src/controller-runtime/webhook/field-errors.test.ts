import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { denyForbidden, denyIfInvalid, fieldError, isAdmissionDenied } from './field-errors.js';

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail('expected a denial');
}

describe('admission denials', () => {
  it('pass when there is nothing to report', () => {
    denyIfInvalid('Machine.cluster.x-k8s.io', 'm-1', []);
  });

  it('name the qualified kind and state a single error plainly', () => {
    const err = thrown(() =>
      denyIfInvalid('Machine.cluster.x-k8s.io', 'm-1', [fieldError.required('spec.clusterName')]),
    );
    assert.ok(isAdmissionDenied(err));
    assert.equal(err.code, 422);
    assert.equal(err.message, 'Machine.cluster.x-k8s.io "m-1" is invalid: spec.clusterName: Required value');
  });

  it('keep every cause but repeat no identical error in the message, as apimachinery does', () => {
    const bad = fieldError.invalid('metadata.labels', 'a b', 'not a label value');
    const other = fieldError.forbidden('spec.version', 'cannot be changed');
    const err = thrown(() => denyIfInvalid('MachineSet.cluster.x-k8s.io', 'ms', [bad, other, bad]));
    assert.ok(isAdmissionDenied(err));
    assert.equal(err.causes.length, 3);
    assert.equal(
      err.message,
      'MachineSet.cluster.x-k8s.io "ms" is invalid: [metadata.labels: Invalid value: "a b": not a label value, ' +
        'spec.version: Forbidden: cannot be changed]',
    );
  });

  it('forbid outright with a 403 and the message as given', () => {
    const err = thrown(() => denyForbidden('MachinePool', 'mp', 'spec: Forbidden: gate off'));
    assert.ok(isAdmissionDenied(err));
    assert.equal(err.code, 403);
    assert.equal(err.message, 'spec: Forbidden: gate off');
    assert.deepEqual(err.causes, []);
  });
});
