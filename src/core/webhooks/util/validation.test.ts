import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldPath } from './field-path.js';
import { intOrPercentError } from './int-or-percent.js';
import { formatLabelValue } from './machine-template.js';
import { cidrError, isDNS1123Subdomain, isLabelKey, validateAnnotations } from './validation.js';

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

  it('parses int-or-percent values as intstr does', () => {
    assert.equal(intOrPercentError(3), undefined);
    assert.equal(intOrPercentError('25%'), undefined);
    assert.equal(
      intOrPercentError('25'),
      'invalid value for IntOrString: invalid type: string is not a percentage',
    );
    assert.equal(
      intOrPercentError('2.5%'),
      'invalid value for IntOrString: invalid value "2.5%": strconv.Atoi: parsing "2.5": invalid syntax',
    );
  });

  it('hashes names too long to be label values, as upstream does', () => {
    assert.equal(formatLabelValue('ms-1'), 'ms-1');
    assert.equal(formatLabelValue('machineSetName'.repeat(12)), 'hash_FR_ghQ_z');
  });
});
