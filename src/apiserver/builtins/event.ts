/**
 * Event in two views of one storage: core/v1 (`ev`) and events.k8s.io/v1 (`ev`).
 * Upstream: `pkg/apis/core/validation/events.go`, `pkg/apis/events/v1/conversion.go`,
 * `pkg/registry/core/event/strategy.go`.
 *
 * Validation always runs on the core shape with core field paths (`message`, `involvedObject.namespace`),
 * as upstream does for both groups. core/v1 writes get the legacy rules only; events.k8s.io/v1 writes add
 * the strict rules (eventTime, reportingController, ... and no deprecated fields; on update only `series`
 * and metadata may change).
 */
import { fieldErrors, type FieldError } from '../errors/field-error.js';
import type { KubeObject } from '../registry/resource-definition.js';
import { builtinStrategy, column, defineBuiltin } from './define.js';
import { deepClone, deepEqual, getNumber, getObject, getString, isObject } from './object-access.js';
import { int32, kindSchema, microTime, obj, objectReference, str, time } from './schema-builders.js';
import { isDNS1123Subdomain, isQualifiedName } from './validation-helpers.js';

const EVENTS_V1 = 'events.k8s.io/v1';
const clone = <T>(v: T): T => (v === undefined ? v : deepClone(v));
const present = (v: unknown) => v !== undefined && v !== null && v !== '' && v !== 0;

/**
 * core/v1 Event → events.k8s.io/v1 Event (regarding←involvedObject, note←message, deprecated* ←
 * source/firstTimestamp/lastTimestamp/count, reportingController←reportingComponent). The result has the
 * fields Go always serialises (`eventTime`, `regarding`, `deprecatedSource`, deprecated timestamps).
 */
export function coreEventToEventsV1(event: KubeObject): KubeObject {
  const out: KubeObject = { kind: 'Event', apiVersion: EVENTS_V1 };
  if (event.metadata !== undefined) out.metadata = clone(event.metadata);
  out.eventTime = event.eventTime ?? null;
  if (isObject(event.series)) out.series = clone(event.series);
  if (present(event.reportingComponent)) out.reportingController = event.reportingComponent;
  if (present(event.reportingInstance)) out.reportingInstance = event.reportingInstance;
  if (present(event.action)) out.action = event.action;
  if (present(event.reason)) out.reason = event.reason;
  out.regarding = clone(isObject(event.involvedObject) ? event.involvedObject : {});
  if (isObject(event.related)) out.related = clone(event.related);
  if (present(event.message)) out.note = event.message;
  if (present(event.type)) out.type = event.type;
  out.deprecatedSource = clone(isObject(event.source) ? event.source : {});
  out.deprecatedFirstTimestamp = event.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = event.lastTimestamp ?? null;
  if (present(event.count)) out.deprecatedCount = event.count;
  return out;
}

/** events.k8s.io/v1 Event → core/v1 Event, the inverse of coreEventToEventsV1. */
export function eventsV1ToCoreEvent(event: KubeObject): KubeObject {
  const out: KubeObject = { kind: 'Event', apiVersion: 'v1' };
  if (event.metadata !== undefined) out.metadata = clone(event.metadata);
  out.involvedObject = clone(isObject(event.regarding) ? event.regarding : {});
  if (present(event.reason)) out.reason = event.reason;
  if (present(event.note)) out.message = event.note;
  out.source = clone(isObject(event.deprecatedSource) ? event.deprecatedSource : {});
  out.firstTimestamp = event.deprecatedFirstTimestamp ?? null;
  out.lastTimestamp = event.deprecatedLastTimestamp ?? null;
  if (present(event.deprecatedCount)) out.count = event.deprecatedCount;
  if (present(event.type)) out.type = event.type;
  out.eventTime = event.eventTime ?? null;
  if (isObject(event.series)) out.series = clone(event.series);
  if (present(event.action)) out.action = event.action;
  if (isObject(event.related)) out.related = clone(event.related);
  out.reportingComponent = typeof event.reportingController === 'string' ? event.reportingController : '';
  out.reportingInstance = typeof event.reportingInstance === 'string' ? event.reportingInstance : '';
  return out;
}

/** Whether an object is in the events.k8s.io shape (by apiVersion, or by its field names). */
export function isEventsV1Shape(event: KubeObject): boolean {
  if (typeof event.apiVersion === 'string') return event.apiVersion.startsWith('events.k8s.io/');
  return (
    'regarding' in event || 'note' in event || 'deprecatedSource' in event || 'reportingController' in event
  );
}

const asCore = (event: KubeObject): KubeObject =>
  isEventsV1Shape(event) ? eventsV1ToCoreEvent(event) : event;
const isZeroTime = (v: unknown) => v === undefined || v === null || v === '';
const bytes = (v: unknown) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : 0);

/** `legacyValidateEvent`: applies to every Event write in both groups. Takes the core shape. */
export function legacyValidateEvent(event: KubeObject): FieldError[] {
  const errs: FieldError[] = [];
  const namespace = event.metadata?.namespace ?? '';
  const involvedNamespace = getString(event, 'involvedObject.namespace') ?? '';
  const mismatch = () =>
    errs.push(
      fieldErrors.invalid('involvedObject.namespace', involvedNamespace, 'does not match event.namespace'),
    );
  if (isZeroTime(event.eventTime)) {
    if (involvedNamespace === '') {
      if (namespace !== '' && namespace !== 'default') mismatch();
    } else if (namespace !== involvedNamespace) {
      mismatch();
    }
  } else {
    if (involvedNamespace === '' && namespace !== 'default' && namespace !== 'kube-system') mismatch();
    const controller = typeof event.reportingComponent === 'string' ? event.reportingComponent : '';
    if (controller === '') errs.push(fieldErrors.required('reportingController'));
    for (const m of isQualifiedName(controller))
      errs.push(fieldErrors.invalid('reportingController', controller, m));
    const limits: [string, unknown, number][] = [
      ['reportingInstance', event.reportingInstance, 128],
      ['action', event.action, 128],
      ['reason', event.reason, 128],
    ];
    for (const [field, value, max] of limits) {
      if (bytes(value) === 0) errs.push(fieldErrors.required(field));
      if (bytes(value) > max) errs.push(fieldErrors.invalid(field, '', `can have at most ${max} characters`));
    }
    if (bytes(event.message) > 1024) {
      errs.push(fieldErrors.invalid('message', '', 'can have at most 1024 characters'));
    }
  }
  for (const m of isDNS1123Subdomain(namespace)) errs.push(fieldErrors.invalid('namespace', namespace, m));
  return errs;
}

function validateV1EventSeries(event: KubeObject): FieldError[] {
  const series = getObject(event, 'series');
  if (!series) return [];
  const errs: FieldError[] = [];
  if ((getNumber(series, 'count') ?? 0) < 2)
    errs.push(fieldErrors.invalid('series.count', '', 'should be at least 2'));
  if (isZeroTime(series.lastObservedTime)) errs.push(fieldErrors.required('series.lastObservedTime'));
  return errs;
}

/** `ValidateEventCreate` for events.k8s.io/v1 (legacy rules plus the strict ones). Accepts either shape. */
export function validateEventsV1Create(input: KubeObject): FieldError[] {
  const event = asCore(input);
  const errs = [...legacyValidateEvent(event), ...validateV1EventSeries(event)];
  if (isZeroTime(event.eventTime)) errs.push(fieldErrors.required('eventTime'));
  const type = typeof event.type === 'string' ? event.type : '';
  if (type !== 'Normal' && type !== 'Warning') {
    errs.push(fieldErrors.invalid('type', '', `has invalid value: ${type}`));
  }
  if (!isZeroTime(event.firstTimestamp))
    errs.push(fieldErrors.invalid('firstTimestamp', '', 'needs to be unset'));
  if (!isZeroTime(event.lastTimestamp))
    errs.push(fieldErrors.invalid('lastTimestamp', '', 'needs to be unset'));
  if ((getNumber(event, 'count') ?? 0) !== 0)
    errs.push(fieldErrors.invalid('count', '', 'needs to be unset'));
  if (getString(event, 'source.component') || getString(event, 'source.host')) {
    errs.push(fieldErrors.invalid('source', '', 'needs to be unset'));
  }
  return errs;
}

/** `ValidateEventUpdate` for events.k8s.io/v1: only series and metadata may change. Accepts either shape. */
export function validateEventsV1Update(input: KubeObject, oldInput: KubeObject): FieldError[] {
  const event = asCore(input);
  const old = asCore(oldInput);
  const errs = legacyValidateEvent(event);
  if (!deepEqual(event.series, old.series)) errs.push(...validateV1EventSeries(event));
  const immutable = (key: string, emptyValue: unknown, field = key) => {
    const now = event[key] ?? emptyValue;
    if (!deepEqual(now, old[key] ?? emptyValue))
      errs.push(fieldErrors.invalid(field, now, 'field is immutable'));
  };
  // Same order as upstream, including its second check of `reason`.
  immutable('involvedObject', {});
  immutable('reason', '');
  immutable('message', '');
  immutable('source', {});
  immutable('firstTimestamp', null);
  immutable('lastTimestamp', null);
  immutable('count', 0);
  immutable('reason', '');
  immutable('type', '');
  immutable('eventTime', null);
  immutable('action', '');
  immutable('related', null);
  immutable('reportingComponent', '', 'reportingController');
  immutable('reportingInstance', '');
  return errs;
}

/** The core Event field set used by field selectors (upstream `ToSelectableFields`). */
function coreSelectableFields(input: KubeObject): Record<string, string> {
  const event = asCore(input);
  const ref = (k: string) => getString(event, `involvedObject.${k}`) ?? '';
  const reporting = typeof event.reportingComponent === 'string' ? event.reportingComponent : '';
  return {
    'involvedObject.kind': ref('kind'),
    'involvedObject.namespace': ref('namespace'),
    'involvedObject.name': ref('name'),
    'involvedObject.uid': ref('uid'),
    'involvedObject.apiVersion': ref('apiVersion'),
    'involvedObject.resourceVersion': ref('resourceVersion'),
    'involvedObject.fieldPath': ref('fieldPath'),
    reason: getString(event, 'reason') ?? '',
    reportingComponent: reporting,
    source: getString(event, 'source.component') || reporting,
    type: getString(event, 'type') ?? '',
  };
}

/** events.k8s.io/v1 labels, mapped onto the same set (`AddFieldLabelConversionsForEvent`). */
function eventsV1SelectableFields(input: KubeObject): Record<string, string> {
  const core = coreSelectableFields(input);
  const out: Record<string, string> = {
    reason: core.reason ?? '',
    reportingController: core.reportingComponent ?? '',
    source: core.source ?? '',
    type: core.type ?? '',
  };
  for (const k of ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath']) {
    out[`regarding.${k}`] = core[`involvedObject.${k}`] ?? '';
  }
  return out;
}

/** `printEvent` of the core printer (server-side tables are always wide). */
function eventCells(input: KubeObject): unknown[] {
  const event = asCore(input);
  const first = isZeroTime(event.firstTimestamp) ? (event.eventTime ?? null) : event.firstTimestamp;
  let last: unknown = isZeroTime(event.lastTimestamp) ? first : event.lastTimestamp;
  let count = getNumber(event, 'count') ?? 0;
  const series = getObject(event, 'series');
  if (series) {
    last = series.lastObservedTime ?? null;
    count = getNumber(series, 'count') ?? 0;
  } else if (count === 0) {
    count = 1;
  }
  const kind = (getString(event, 'involvedObject.kind') ?? '').toLowerCase();
  const name = getString(event, 'involvedObject.name') ?? '';
  const component = getString(event, 'source.component') || (getString(event, 'reportingComponent') ?? '');
  const instance = getString(event, 'source.host') || (getString(event, 'reportingInstance') ?? '');
  return [
    isZeroTime(last) ? null : last,
    getString(event, 'type') ?? '',
    getString(event, 'reason') ?? '',
    name ? `${kind}/${name}` : kind,
    getString(event, 'involvedObject.fieldPath') ?? '',
    instance ? `${component}, ${instance}` : component,
    (getString(event, 'message') ?? '').trim(),
    isZeroTime(first) ? null : first,
    count,
    event.metadata?.name ?? '',
  ];
}

const eventTable = {
  columns: [
    column('Last Seen', 'date', 'When the event was last observed.'),
    column('Type', 'string', 'Normal or Warning.'),
    column('Reason', 'string', 'Why the event was emitted.'),
    column('Object', 'string', 'The object the event is about.'),
    column('Subobject', 'string', 'The field of the object, e.g. a container.', 1),
    column('Source', 'string', 'The component that reported the event.', 1),
    column('Message', 'string', 'Human-readable description.'),
    column('First Seen', 'date', 'When the event was first observed.', 1),
    column('Count', 'string', 'How many times the event occurred.', 1),
    column('Name', 'string', 'Name of the event object.', 1, 'name'),
  ],
  cells: (event: KubeObject) => eventCells(event),
};

const eventSource = () =>
  obj('The component that reported the event.', {
    component: str('Reporting component.'),
    host: str('Node name of the reporter.'),
  });
const eventSeries = () =>
  obj('Data about a series of repeated events.', {
    count: int32('Occurrences in the series so far.'),
    lastObservedTime: microTime('When the last occurrence was observed (six fractional digits).'),
  });

export const coreEventDefinition = defineBuiltin({
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  shortNames: ['ev'],
  namespaced: true,
  microTimeFields: ['eventTime', 'series.lastObservedTime'],
  schema: kindSchema('A report of something that happened to an object.', {
    involvedObject: objectReference('The object the event is about.'),
    reason: str('Short machine-readable reason.'),
    message: str('Human-readable description.'),
    source: eventSource(),
    firstTimestamp: time('When the event was first recorded.'),
    lastTimestamp: time('When the event was last recorded.'),
    count: int32('How many times the event occurred.'),
    type: str('Normal or Warning.'),
    eventTime: microTime('When the event was first observed (six fractional digits).'),
    series: eventSeries(),
    action: str('What action was taken or failed.'),
    related: objectReference('A secondary object.'),
    reportingComponent: str('Controller that emitted the event.'),
    reportingInstance: str('Instance of the controller.'),
  }),
  strategy: builtinStrategy(false, { validate: (event) => legacyValidateEvent(asCore(event)) }),
  table: eventTable,
  selectableFields: coreSelectableFields,
});

export const eventsV1EventDefinition = defineBuiltin({
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  shortNames: ['ev'],
  namespaced: true,
  microTimeFields: ['eventTime', 'series.lastObservedTime'],
  schema: kindSchema('A report of something that happened to an object (events.k8s.io view).', {
    eventTime: microTime('When the event was first observed (six fractional digits).'),
    series: eventSeries(),
    reportingController: str('Controller that emitted the event, e.g. example.com/my-controller.'),
    reportingInstance: str('Instance of the controller.'),
    action: str('What action was taken or failed.'),
    reason: str('Why the action was taken.'),
    regarding: objectReference('The object the event is about.'),
    related: objectReference('A secondary object.'),
    note: str('Human-readable description, at most 1kB.'),
    type: str('Normal or Warning.'),
    deprecatedSource: eventSource(),
    deprecatedFirstTimestamp: time('Deprecated core field firstTimestamp.'),
    deprecatedLastTimestamp: time('Deprecated core field lastTimestamp.'),
    deprecatedCount: int32('Deprecated core field count.'),
  }),
  strategy: builtinStrategy(false, {
    validate: (event, old) => (old ? validateEventsV1Update(event, old) : validateEventsV1Create(event)),
  }),
  table: eventTable,
  selectableFields: eventsV1SelectableFields,
});
