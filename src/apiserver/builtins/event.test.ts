import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import {
  coreEventDefinition,
  coreEventToEventsV1,
  eventsV1EventDefinition,
  eventsV1ToCoreEvent,
  legacyValidateEvent,
  validateEventsV1Create,
  validateEventsV1Update,
} from './event.js';

const meta = { name: 'web.17a', namespace: 'default', uid: 'u1', resourceVersion: '5' };

/** A legacy (recorder-style) core/v1 event, in the shape Go serialises. */
const legacyCore = (): KubeObject => ({
  kind: 'Event',
  apiVersion: 'v1',
  metadata: { ...meta },
  involvedObject: {
    kind: 'Pod',
    namespace: 'default',
    name: 'web',
    uid: 'p1',
    apiVersion: 'v1',
    fieldPath: 'spec.containers{app}',
  },
  reason: 'Pulled',
  message: 'Successfully pulled image',
  source: { component: 'kubelet', host: 'node-1' },
  firstTimestamp: '2024-05-01T10:00:00Z',
  lastTimestamp: '2024-05-01T10:05:00Z',
  count: 3,
  type: 'Normal',
  eventTime: null,
  reportingComponent: '',
  reportingInstance: '',
});

/** A new-style event as client-go's events.k8s.io recorder writes it. */
const newV1 = (): KubeObject => ({
  kind: 'Event',
  apiVersion: 'events.k8s.io/v1',
  metadata: { ...meta },
  eventTime: '2024-05-01T10:00:00.123456Z',
  series: { count: 2, lastObservedTime: '2024-05-01T10:01:00.000000Z' },
  reportingController: 'cluster.x-k8s.io/machine-controller',
  reportingInstance: 'capi-controller-manager-1',
  action: 'Provisioning',
  reason: 'Created',
  regarding: { kind: 'Machine', namespace: 'default', name: 'm1', apiVersion: 'cluster.x-k8s.io/v1beta2' },
  related: { kind: 'Node', name: 'n1' },
  note: 'Machine created',
  type: 'Normal',
  deprecatedSource: {},
  deprecatedFirstTimestamp: null,
  deprecatedLastTimestamp: null,
});

describe('Event conversions', () => {
  it('maps the core fields onto events.k8s.io names', () => {
    const v1 = coreEventToEventsV1(legacyCore());
    assert.equal(v1.apiVersion, 'events.k8s.io/v1');
    assert.deepEqual(v1.regarding, legacyCore().involvedObject);
    assert.equal(v1.note, 'Successfully pulled image');
    assert.deepEqual(v1.deprecatedSource, { component: 'kubelet', host: 'node-1' });
    assert.equal(v1.deprecatedFirstTimestamp, '2024-05-01T10:00:00Z');
    assert.equal(v1.deprecatedLastTimestamp, '2024-05-01T10:05:00Z');
    assert.equal(v1.deprecatedCount, 3);
    assert.equal(v1.eventTime, null);
    assert.equal('reportingController' in v1, false);
  });

  it('maps events.k8s.io fields back onto core names', () => {
    const core = eventsV1ToCoreEvent(newV1());
    assert.equal(core.apiVersion, 'v1');
    assert.equal(core.reportingComponent, 'cluster.x-k8s.io/machine-controller');
    assert.equal(core.reportingInstance, 'capi-controller-manager-1');
    assert.equal(core.message, 'Machine created');
    assert.deepEqual(core.involvedObject, newV1().regarding);
    assert.deepEqual(core.source, {});
    assert.equal(core.firstTimestamp, null);
    assert.equal('count' in core, false);
  });

  it('round-trips both shapes', () => {
    assert.deepEqual(eventsV1ToCoreEvent(coreEventToEventsV1(legacyCore())), legacyCore());
    assert.deepEqual(coreEventToEventsV1(eventsV1ToCoreEvent(newV1())), newV1());
  });
});

describe('Event validation', () => {
  it('core/v1: the namespace must match involvedObject.namespace', () => {
    const e = legacyCore();
    e.metadata = { ...meta, namespace: 'other' };
    assert.deepEqual(legacyValidateEvent(e).map(fieldErrorMessage), [
      'involvedObject.namespace: Invalid value: "default": does not match event.namespace',
    ]);
    assert.deepEqual(coreEventDefinition.strategy.validate?.(legacyCore(), undefined), []);
  });

  it('core/v1: events about cluster-scoped objects live in default', () => {
    const e = legacyCore();
    e.involvedObject = { kind: 'Node', name: 'n1' };
    assert.deepEqual(legacyValidateEvent(e), []);
    e.metadata = { ...meta, namespace: 'kube-system' };
    assert.equal(legacyValidateEvent(e).length, 1);
  });

  it('core/v1 updates (recorder count/lastTimestamp patches) are not restricted', () => {
    const updated = { ...legacyCore(), count: 4, lastTimestamp: '2024-05-01T10:06:00Z' };
    assert.deepEqual(coreEventDefinition.strategy.validate?.(updated, legacyCore()), []);
  });

  it('events.k8s.io/v1 create accepts a well-formed event', () => {
    assert.deepEqual(eventsV1EventDefinition.strategy.validate?.(newV1(), undefined), []);
  });

  it('events.k8s.io/v1 create requires the new fields, reporting errors with core field paths', () => {
    const e: KubeObject = {
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: { ...meta },
      regarding: { kind: 'Pod', namespace: 'default', name: 'p' },
      type: 'Bad',
      deprecatedCount: 2,
    };
    assert.deepEqual(validateEventsV1Create(e).map(fieldErrorMessage), [
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Bad',
      'count: Invalid value: "": needs to be unset',
    ]);
    const withTime = { ...e, eventTime: '2024-05-01T10:00:00.000000Z', note: 'x'.repeat(1025) };
    assert.deepEqual(
      validateEventsV1Create(withTime).map((x) => `${x.field} ${x.type}`),
      [
        'reportingController FieldValueRequired',
        'reportingController FieldValueInvalid',
        'reportingController FieldValueInvalid',
        'reportingInstance FieldValueRequired',
        'action FieldValueRequired',
        'reason FieldValueRequired',
        'message FieldValueInvalid',
        'type FieldValueInvalid',
        'count FieldValueInvalid',
      ],
    );
  });

  it('events.k8s.io/v1 update may change only series', () => {
    const old = newV1();
    const series = { ...newV1(), series: { count: 3, lastObservedTime: '2024-05-01T10:02:00.000000Z' } };
    assert.deepEqual(validateEventsV1Update(series, old), []);
    const changed = { ...newV1(), note: 'other', reportingController: 'x.io/y' };
    assert.deepEqual(validateEventsV1Update(changed, old).map(fieldErrorMessage), [
      'message: Invalid value: "other": field is immutable',
      'reportingController: Invalid value: "x.io/y": field is immutable',
    ]);
  });
});

describe('Event selectors and table', () => {
  it('offers the upstream field set in core names and events.k8s.io names', () => {
    const core = coreEventDefinition.selectableFields?.(legacyCore());
    assert.equal(core?.['involvedObject.name'], 'web');
    assert.equal(core?.source, 'kubelet');
    assert.equal(core?.type, 'Normal');
    const v1 = eventsV1EventDefinition.selectableFields?.(newV1());
    assert.equal(v1?.['regarding.kind'], 'Machine');
    assert.equal(v1?.reportingController, 'cluster.x-k8s.io/machine-controller');
    assert.equal(v1?.source, 'cluster.x-k8s.io/machine-controller');
  });

  it('prints LAST SEEN TYPE REASON OBJECT MESSAGE (+ wide columns)', () => {
    const table = coreEventDefinition.table;
    assert.ok(table);
    assert.deepEqual(
      table.columns.filter((c) => c.priority === 0).map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
    assert.deepEqual(table.cells(legacyCore(), new Date()), [
      '2024-05-01T10:05:00Z',
      'Normal',
      'Pulled',
      'pod/web',
      'spec.containers{app}',
      'kubelet, node-1',
      'Successfully pulled image',
      '2024-05-01T10:00:00Z',
      3,
      'web.17a',
    ]);
    // New-style events: eventTime and the series drive the timestamps and the count.
    assert.deepEqual(eventsV1EventDefinition.table?.cells(newV1(), new Date()), [
      '2024-05-01T10:01:00.000000Z',
      'Normal',
      'Created',
      'machine/m1',
      '',
      'cluster.x-k8s.io/machine-controller, capi-controller-manager-1',
      'Machine created',
      '2024-05-01T10:00:00.123456Z',
      2,
      'web.17a',
    ]);
  });
});
