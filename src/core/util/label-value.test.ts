import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatLabelValue } from './label-value.js';

describe('formatLabelValue', () => {
  it('hashes names too long to be label values, as upstream does', () => {
    assert.equal(formatLabelValue('ms-1'), 'ms-1');
    assert.equal(formatLabelValue('machineSetName'.repeat(12)), 'hash_FR_ghQ_z');
  });
});
