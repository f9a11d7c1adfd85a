import type { ManagedFieldsEntry } from '../registry/resource-definition.js';
import { compareStrings, goJson } from './field-path.js';
import { FieldSet, FieldsV1Error } from './field-set.js';

export type ManagedFieldsOperation = 'Apply' | 'Update';

/** Who owns a set of fields. Appliers are identified without their apiVersion, updaters with it. */
export interface ManagerIdentity {
  manager: string;
  operation: ManagedFieldsOperation;
  apiVersion?: string;
  subresource?: string;
}

/** The fields one manager owns, and the apiVersion it last wrote them with. */
export interface VersionedSet {
  readonly set: FieldSet;
  readonly apiVersion: string;
  readonly applied: boolean;
}

/**
 * Decoded managedFields, keyed by manager identifier (the JSON of `ManagerIdentity`, as upstream's
 * `BuildManagerIdentifier` spells it). Times are RFC 3339 strings, absent when unknown.
 */
export interface Managed {
  fields: Map<string, VersionedSet>;
  times: Map<string, string | undefined>;
}

export function emptyManaged(): Managed {
  return { fields: new Map(), times: new Map() };
}

export function cloneManaged(m: Managed): Managed {
  return { fields: new Map(m.fields), times: new Map(m.times) };
}

/** A managedFields list that cannot be decoded. */
export class ManagedFieldsDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ManagedFieldsDecodeError';
  }
}

/**
 * The identifier upstream keys managers by: `{"manager":"kubectl","operation":"Apply"}` for appliers,
 * `{"manager":"x","operation":"Update","apiVersion":"v1","subresource":"status"}` for updaters.
 */
export function managerIdentifier(m: ManagerIdentity): string {
  const parts: string[] = [];
  if (m.manager) parts.push(`"manager":${goJson(m.manager)}`);
  parts.push(`"operation":${goJson(m.operation)}`);
  if (m.operation !== 'Apply' && m.apiVersion) parts.push(`"apiVersion":${goJson(m.apiVersion)}`);
  if (m.subresource) parts.push(`"subresource":${goJson(m.subresource)}`);
  return `{${parts.join(',')}}`;
}

export function parseManagerIdentifier(id: string): ManagerIdentity | undefined {
  try {
    const v = JSON.parse(id) as Partial<ManagerIdentity> | null;
    if (!v || typeof v !== 'object') return undefined;
    return {
      manager: typeof v.manager === 'string' ? v.manager : '',
      operation: v.operation === 'Apply' ? 'Apply' : 'Update',
      ...(typeof v.apiVersion === 'string' && v.apiVersion ? { apiVersion: v.apiVersion } : {}),
      ...(typeof v.subresource === 'string' && v.subresource ? { subresource: v.subresource } : {}),
    };
  } catch {
    return undefined;
  }
}

/** metav1.Time as the API writes it: RFC 3339, UTC, second precision. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, 'Z');
}

function normalizeTime(t: string | undefined): string | undefined {
  if (t === undefined) return undefined;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? t : formatTime(new Date(ms));
}

/** Seconds since the epoch, 0 when absent (upstream sorts a nil time first). */
export function timeSeconds(t: string | undefined): number {
  if (t === undefined) return 0;
  const ms = Date.parse(t);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

/** `DecodeManagedFields`: the tracking state stored in an object. */
export function decodeManagedFields(entries: readonly ManagedFieldsEntry[] | undefined): Managed {
  const managed = emptyManaged();
  (entries ?? []).forEach((e, i) => {
    const entry: ManagedFieldsEntry = e ?? {};
    if (entry.operation !== 'Apply' && entry.operation !== 'Update')
      throw new ManagedFieldsDecodeError('operation must be `Apply` or `Update`');
    if (!entry.apiVersion) throw new ManagedFieldsDecodeError('apiVersion must not be empty');
    const fieldsType = entry.fieldsType as string | undefined;
    if (!fieldsType) throw new ManagedFieldsDecodeError(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1')
      throw new ManagedFieldsDecodeError(`invalid fieldsType "${fieldsType}" in managed fields entry ${i}`);
    const id = managerIdentifier({
      manager: entry.manager ?? '',
      operation: entry.operation,
      apiVersion: entry.apiVersion,
      ...(entry.subresource ? { subresource: entry.subresource } : {}),
    });
    let set: FieldSet;
    try {
      set = FieldSet.fromFieldsV1(entry.fieldsV1 ?? {});
    } catch (err) {
      if (err instanceof FieldsV1Error)
        throw new ManagedFieldsDecodeError(
          `error decoding versioned set: error decoding set: ${err.message}`,
        );
      throw err;
    }
    managed.fields.set(id, { set, apiVersion: entry.apiVersion, applied: entry.operation === 'Apply' });
    managed.times.set(id, normalizeTime(entry.time));
  });
  return managed;
}

/** `encodeManagedFields`: entries in upstream order (Apply before Update, then oldest first). */
export function encodeManagedFields(managed: Managed): ManagedFieldsEntry[] {
  const entries: ManagedFieldsEntry[] = [];
  for (const [id, vs] of managed.fields) {
    const who = parseManagerIdentifier(id);
    if (!who) continue;
    const time = managed.times.get(id);
    const entry: ManagedFieldsEntry = {};
    if (who.manager) entry.manager = who.manager;
    entry.operation = vs.applied ? 'Apply' : who.operation;
    entry.apiVersion = vs.apiVersion;
    if (time !== undefined) entry.time = time;
    entry.fieldsType = 'FieldsV1';
    entry.fieldsV1 = vs.set.toFieldsV1();
    if (who.subresource) entry.subresource = who.subresource;
    entries.push(entry);
  }
  return entries.sort(compareEntries);
}

function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  return (
    compareStrings(p.operation ?? '', q.operation ?? '') ||
    timeSeconds(p.time) - timeSeconds(q.time) ||
    compareStrings(p.manager ?? '', q.manager ?? '') ||
    compareStrings(p.apiVersion ?? '', q.apiVersion ?? '') ||
    compareStrings(p.subresource ?? '', q.subresource ?? '')
  );
}

/**
 * `isResetManagedFields`: a request that carries `managedFields: []` or `[{}]` asks to drop all tracking.
 * (A request without the field keeps the stored tracking.)
 */
export function isResetManagedFields(entries: unknown): boolean {
  if (!Array.isArray(entries)) return false;
  if (entries.length === 0) return true;
  if (entries.length !== 1) return false;
  const only: unknown = entries[0];
  if (only === null) return true;
  if (typeof only !== 'object' || Array.isArray(only)) return false;
  return Object.entries(only as Record<string, unknown>).every(
    ([, v]) => v === undefined || v === null || v === '',
  );
}

export const DEFAULT_MAX_UPDATE_MANAGERS = 10;
const ANCIENT_CHANGES = 'ancient-changes';

/**
 * `capManagersManager`: beyond `max` Update entries, the oldest are folded into one `ancient-changes` entry
 * per apiVersion so that managedFields stays bounded.
 */
export function capUpdateManagers(managed: Managed, max = DEFAULT_MAX_UPDATE_MANAGERS): void {
  const updaters = [...managed.fields].filter(([, vs]) => !vs.applied).map(([id]) => id);
  if (updaters.length <= max) return;
  updaters.sort(
    (a, b) => timeSeconds(managed.times.get(a)) - timeSeconds(managed.times.get(b)) || compareStrings(a, b),
  );
  const firstOfVersion = new Map<string, string>();
  let length = updaters.length;
  for (let i = 0; i < updaters.length && length > max; i++) {
    const id = updaters[i] as string;
    const vs = managed.fields.get(id);
    if (!vs) continue;
    const time = managed.times.get(id);
    const version = vs.apiVersion;
    const bucket = managerIdentifier({ manager: ANCIENT_CHANGES, operation: 'Update', apiVersion: version });
    const first = firstOfVersion.get(version);
    if (first === undefined) {
      firstOfVersion.set(version, id);
      continue;
    }
    if (!managed.fields.has(bucket)) {
      const firstSet = managed.fields.get(first);
      managed.fields.delete(first);
      if (firstSet) managed.fields.set(bucket, firstSet);
    }
    const bucketSet = managed.fields.get(bucket);
    managed.fields.set(bucket, {
      set: bucketSet ? vs.set.union(bucketSet.set) : vs.set,
      apiVersion: vs.apiVersion,
      applied: vs.applied,
    });
    managed.fields.delete(id);
    length--;
    managed.times.set(bucket, time);
  }
}
