import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  certificatesExpiryDate,
  InvalidCertificatesExpiryError,
  parseRFC3339,
} from './machine-certificates.js';

const ANNOTATION = 'machine.cluster.x-k8s.io/certificates-expiry';
const obj = (kind: string, expiry?: string) => ({
  kind,
  metadata: {
    name: kind.toLowerCase(),
    ...(expiry === undefined ? {} : { annotations: { [ANNOTATION]: expiry } }),
  },
});

describe('certificatesExpiryDate', () => {
  it('takes the Machine annotation first, then the bootstrap config, else nothing', () => {
    assert.equal(
      certificatesExpiryDate(
        obj('Machine', '2031-05-01T10:00:00Z'),
        obj('KubeadmConfig', '2040-01-01T00:00:00Z'),
      ),
      '2031-05-01T10:00:00Z',
    );
    assert.equal(
      certificatesExpiryDate(obj('Machine'), obj('KubeadmConfig', '2040-01-01T00:00:00Z')),
      '2040-01-01T00:00:00Z',
    );
    assert.equal(certificatesExpiryDate(obj('Machine'), obj('KubeadmConfig')), undefined);
    assert.equal(certificatesExpiryDate(obj('Machine'), undefined), undefined);
  });

  it('writes the time as metav1.Time does: UTC, whole seconds', () => {
    assert.equal(
      certificatesExpiryDate(obj('Machine', '2031-05-01T12:00:00.987+02:00'), undefined),
      '2031-05-01T10:00:00Z',
    );
  });

  it('fails on a value that is not RFC 3339, on the Machine or on the bootstrap config', () => {
    assert.throws(
      () => certificatesExpiryDate(obj('Machine', 'next year'), undefined),
      InvalidCertificatesExpiryError,
    );
    assert.throws(
      () => certificatesExpiryDate(obj('Machine'), obj('KubeadmConfig', '2031-05-01')),
      /KubeadmConfig/,
    );
  });
});

describe('parseRFC3339', () => {
  it('takes what Go takes and refuses the rest', () => {
    assert.equal(parseRFC3339('2031-02-28T23:59:59Z'), '2031-02-28T23:59:59Z');
    assert.equal(parseRFC3339('2031-02-28T23:59:59-01:30'), '2031-03-01T01:29:59Z');
    for (const bad of [
      '2031-02-29T00:00:00Z',
      '2031-13-01T00:00:00Z',
      '2031-01-01 00:00:00Z',
      '2031-01-01T00:00:00',
      '2031-01-01T24:00:00Z',
    ])
      assert.equal(parseRFC3339(bad), undefined, bad);
  });
});
