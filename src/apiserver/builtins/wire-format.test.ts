import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../registry/resource-definition.js';
import { configMapDefinition } from './config-map.js';
import { coreEventDefinition, eventsV1EventDefinition } from './event.js';
import { leaseDefinition } from './lease.js';
import { secretDefinition } from './secret.js';
import {
  base64CorruptOffset,
  checkMicroTimes,
  checkWireFormat,
  normalizeTimes,
  parseGoTime,
} from './wire-format.js';

const lease = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'coordination.k8s.io/v1',
  kind: 'Lease',
  metadata: { name: 'l', namespace: 'default' },
  spec,
});

const LAYOUT = '"2006-01-02T15:04:05.000000Z07:00"';

describe('MicroTime fields need exactly six fractional digits', () => {
  it('accepts six digits with Z or an offset', () => {
    assert.equal(
      checkMicroTimes(lease({ renewTime: '2024-05-01T10:00:00.123456Z' }), leaseDefinition),
      undefined,
    );
    assert.equal(
      checkMicroTimes(lease({ acquireTime: '2024-05-01T10:00:00.000000+02:00' }), leaseDefinition),
      undefined,
    );
    assert.equal(checkMicroTimes(lease({ renewTime: null }), leaseDefinition), undefined);
  });

  it("rejects Date.toISOString() output with the server's message", () => {
    assert.equal(
      checkMicroTimes(
        lease({ holderIdentity: 'me', renewTime: '2022-06-23T18:10:50.278Z' }),
        leaseDefinition,
      ),
      `Lease in version "v1" cannot be handled as a Lease: parsing time "2022-06-23T18:10:50.278Z" as ${LAYOUT}: cannot parse ".278Z" as ".000000"`,
    );
  });

  it('rejects missing and extra digits', () => {
    assert.equal(
      checkMicroTimes(lease({ acquireTime: '2024-05-01T10:00:00Z' }), leaseDefinition),
      `Lease in version "v1" cannot be handled as a Lease: parsing time "2024-05-01T10:00:00Z" as ${LAYOUT}: cannot parse "Z" as ".000000"`,
    );
    assert.equal(
      checkMicroTimes(lease({ renewTime: '2020-02-28T20:11:41.636526400Z' }), leaseDefinition),
      `Lease in version "v1" cannot be handled as a Lease: parsing time "2020-02-28T20:11:41.636526400Z" as ${LAYOUT}: cannot parse "400Z" as "Z07:00"`,
    );
  });

  it('checks Event eventTime and series.lastObservedTime in both groups', () => {
    const ok = '2024-05-01T10:00:00.000001Z';
    const bad = '2024-05-01T10:00:00.1Z';
    assert.equal(
      checkMicroTimes({ eventTime: ok, series: { count: 2, lastObservedTime: ok } }, coreEventDefinition),
      undefined,
    );
    assert.match(
      checkMicroTimes({ series: { count: 2, lastObservedTime: bad } }, eventsV1EventDefinition) ?? '',
      /^Event in version "v1" cannot be handled as a Event: parsing time "2024-05-01T10:00:00.1Z"/,
    );
    // firstTimestamp is a plain Time: fractions are fine there.
    assert.equal(checkMicroTimes({ firstTimestamp: bad }, coreEventDefinition), undefined);
  });

  it('reports a non-string value as the JSON decoder does', () => {
    assert.equal(
      checkMicroTimes(lease({ renewTime: 5 }), leaseDefinition),
      'Lease in version "v1" cannot be handled as a Lease: json: cannot unmarshal number into Go value of type string',
    );
  });
});

describe('Time fields', () => {
  it('accept any RFC 3339 value and are normalised to UTC seconds', () => {
    const event: KubeObject = {
      metadata: { name: 'e', creationTimestamp: '2024-05-01T12:30:00.987654321+02:00' },
      firstTimestamp: '2024-05-01T10:00:00.5Z',
      eventTime: '2024-05-01T12:00:00.123456+02:00',
    };
    assert.equal(checkWireFormat(event, coreEventDefinition), undefined);
    normalizeTimes(event, coreEventDefinition);
    assert.equal(event.metadata?.creationTimestamp, '2024-05-01T10:30:00Z');
    assert.equal(event.firstTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(event.eventTime, '2024-05-01T10:00:00.123456Z');
  });

  it('reject malformed values with Go parse errors', () => {
    assert.equal(
      checkWireFormat({ lastTimestamp: '2024-13-01T00:00:00Z' }, coreEventDefinition),
      'Event in version "v1" cannot be handled as a Event: parsing time "2024-13-01T00:00:00Z": month out of range',
    );
    assert.deepEqual(parseGoTime('2024-02-30T00:00:00Z', false), {
      ok: false,
      error: 'parsing time "2024-02-30T00:00:00Z": day out of range',
    });
    assert.deepEqual(parseGoTime('yesterday', false), {
      ok: false,
      error: 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"',
    });
    assert.deepEqual(parseGoTime('2024-05-01T10:00:00Zjunk', false), {
      ok: false,
      error: 'parsing time "2024-05-01T10:00:00Zjunk": extra text: "junk"',
    });
  });
});

describe('base64 ([]byte) fields', () => {
  it('finds the offset Go reports', () => {
    assert.equal(base64CorruptOffset('aGVsbG8='), undefined);
    assert.equal(base64CorruptOffset('aGVs\nbG8='), undefined);
    assert.equal(base64CorruptOffset('hello'), 4);
    assert.equal(base64CorruptOffset('aGVsbG8'), 4);
    assert.equal(base64CorruptOffset('aGV!bG8='), 3);
    assert.equal(base64CorruptOffset('aGVsbG8=x'), 8);
  });

  it('makes Secret data and ConfigMap binaryData decode errors', () => {
    assert.equal(
      checkWireFormat({ data: { ok: 'YQ==', bad: 'not base64' } }, secretDefinition),
      'Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3',
    );
    assert.equal(checkWireFormat({ data: { plain: 'not base64' } }, configMapDefinition), undefined);
    assert.match(
      checkWireFormat({ binaryData: { b: '@@@@' } }, configMapDefinition) ?? '',
      /illegal base64 data at input byte 0$/,
    );
  });

  it('reports a time error before an earlier base64 error, as the decoder aborts on it', () => {
    const secret: KubeObject = { data: { bad: '!!!!' }, metadata: { creationTimestamp: 'nope' } };
    assert.match(checkWireFormat(secret, secretDefinition) ?? '', /parsing time "nope"/);
  });
});
