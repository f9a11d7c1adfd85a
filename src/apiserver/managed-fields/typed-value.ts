/**
 * The schema-aware walks of structured-merge-diff's `typed` package over plain JSON values: validation,
 * field sets, comparison, merge and removal. `undefined` means absent; `null` is a value.
 */
import {
  type FieldPath,
  type PathElement,
  fieldElement,
  indexElement,
  keyElement,
  pathElementToString,
  valueElement,
  valuesEqual,
} from './field-path.js';
import { FieldSet } from './field-set.js';
import { type ListSchema, type MapSchema, type SchemaNode, deducedNode } from './type-resolver.js';

/** A value that does not fit its schema (duplicate or missing list keys, bad set items). */
export class TypedValueError extends Error {
  readonly errors: readonly string[];
  constructor(errors: readonly string[]) {
    super(errors.length === 1 ? (errors[0] ?? '') : ['errors:', ...errors.map((e) => `  ${e}`)].join('\n'));
    this.name = 'TypedValueError';
    this.errors = errors;
  }
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function definedEntries(o: Json): [string, unknown][] {
  return Object.entries(o).filter(([, v]) => v !== undefined);
}

function isEmptyMap(v: Json | undefined): boolean {
  return v === undefined || definedEntries(v).length === 0;
}

/** Which side of a (possibly untyped) node handles a value, as `deduceAtom` + `handleAtom` decide. */
function atomOf(node: SchemaNode, v: unknown): 'scalar' | 'list' | 'map' {
  if (isObject(v)) {
    if (node.map) return 'map';
  } else if (Array.isArray(v)) {
    if (node.list) return 'list';
  } else if (v !== null && v !== undefined && node.scalar) {
    return 'scalar';
  }
  if (node.map) return 'map';
  if (node.scalar) return 'scalar';
  if (node.list) return 'list';
  return 'scalar';
}

/** The schema of key `k`; undeclared keys without an element type are treated as deduced. */
function childOf(map: MapSchema, k: string): SchemaNode {
  return map.field(k) ?? map.elements ?? deducedNode;
}

class ItemError extends Error {}

function quoteList(keys: readonly string[]): string {
  return `[${keys.map((k) => JSON.stringify(k)).join(' ')}]`;
}

/** The path element of a set or map-list item (`listItemToPathElement`). */
function itemElement(list: ListSchema, item: unknown): PathElement {
  if (list.type === 'atomic') throw new ItemError('invalid indexing of non-associative list');
  if (list.keys.length > 0) {
    if (item === null) throw new ItemError('associative list with keys may not have a null element');
    if (!isObject(item)) throw new ItemError('associative list with keys may not have non-map elements');
    const fields: [string, unknown][] = [];
    for (const key of list.keys) {
      if (item[key] !== undefined) {
        fields.push([key, item[key]]);
        continue;
      }
      const itemMap = list.items.map;
      if (!itemMap)
        throw new ItemError(
          `couldn't find default value for ${key}: associative list may not have non-map types`,
        );
      const def = itemMap.fieldDefault?.(key);
      if (def !== undefined && def !== null) fields.push([key, def]);
    }
    if (fields.length === 0)
      throw new ItemError(
        `associative list with keys has an element that omits all key fields ${quoteList(list.keys)} (and doesn't have default values for any key fields)`,
      );
    return keyElement(fields);
  }
  if (isObject(item)) throw new ItemError("associative list without keys has an element that's a map type");
  if (Array.isArray(item)) throw new ItemError('not supported: associative list with lists as elements');
  if (item === null || item === undefined)
    throw new ItemError("associative list without keys has an element that's an explicit null");
  return valueElement(item);
}

function tryItemElement(list: ListSchema, item: unknown): PathElement | undefined {
  try {
    return itemElement(list, item);
  } catch (err) {
    if (err instanceof ItemError) return undefined;
    throw err;
  }
}

// ------------------------------------------------------------------------------------------ validation

/**
 * The list-structure checks of `AsTyped`: every set/map-list item must yield a key, and keys must be unique
 * unless `allowDuplicates` (live objects may hold duplicates written by other verbs; apply configs may not).
 * Scalar types and undeclared fields are left to schema validation.
 */
export function validateTyped(value: unknown, node: SchemaNode, allowDuplicates: boolean): string[] {
  const errors: string[] = [];
  validateWalk(value, node, allowDuplicates, '', errors);
  return errors;
}

function validateWalk(v: unknown, node: SchemaNode, allowDup: boolean, path: string, errors: string[]): void {
  const at = (msg: string): string => (path ? `${path}: ${msg}` : msg);
  switch (atomOf(node, v)) {
    case 'scalar':
      return;
    case 'list': {
      const list = node.list;
      if (!list || !Array.isArray(v)) return;
      const seen = new Set<string>();
      for (let i = 0; i < v.length; i++) {
        let pe: PathElement;
        if (list.type === 'atomic') {
          pe = indexElement(i);
        } else {
          try {
            pe = itemElement(list, v[i]);
          } catch (err) {
            if (!(err instanceof ItemError)) throw err;
            errors.push(at(`element ${i}: ${err.message}`));
            return;
          }
          if (seen.has(pe.id) && !allowDup)
            errors.push(at(`duplicate entries for key ${pathElementToString(pe)}`));
          seen.add(pe.id);
        }
        validateWalk(v[i], list.items, allowDup, path + pathElementToString(pe), errors);
      }
      return;
    }
    case 'map': {
      const map = node.map;
      if (!map || !isObject(v)) return;
      for (const [k, val] of definedEntries(v))
        validateWalk(val, childOf(map, k), allowDup, `${path}.${k}`, errors);
      return;
    }
  }
}

// ------------------------------------------------------------------------------------------ field sets

/** The fields a value sets (`ToFieldSet`): what an applier owns when it applies this value. */
export function toFieldSet(value: unknown, node: SchemaNode): FieldSet {
  const set = new FieldSet();
  fieldSetWalk(value, node, [], set);
  return set;
}

function fieldSetWalk(v: unknown, node: SchemaNode, path: FieldPath, set: FieldSet): void {
  switch (atomOf(node, v)) {
    case 'scalar':
      set.insert(path);
      return;
    case 'list': {
      const list = node.list;
      if (!list) return;
      if (list.type === 'atomic') {
        set.insert(path);
        return;
      }
      if (!Array.isArray(v)) return;
      const pes = v.map((item) => tryItemElement(list, item));
      const seen = new Set<string>();
      const duplicates = new Set<string>();
      for (const pe of pes) {
        if (!pe) continue;
        if (!seen.has(pe.id)) seen.add(pe.id);
        else if (!duplicates.has(pe.id)) {
          // Duplicated items are owned as a whole: their fields cannot be told apart.
          set.insert([...path, pe]);
          duplicates.add(pe.id);
        }
      }
      pes.forEach((pe, i) => {
        if (!pe || duplicates.has(pe.id)) return;
        const p = [...path, pe];
        fieldSetWalk(v[i], list.items, p, set);
        set.insert(p);
      });
      return;
    }
    case 'map': {
      const map = node.map;
      if (!map) return;
      if (map.type === 'atomic') {
        set.insert(path);
        return;
      }
      if (!isObject(v)) return;
      for (const [k, val] of definedEntries(v)) {
        const declared = map.field(k);
        const p = [...path, fieldElement(k)];
        fieldSetWalk(val, declared ?? map.elements ?? deducedNode, p, set);
        if (val === null || (isObject(val) && isEmptyMap(val)) || !declared) set.insert(p);
      }
      return;
    }
  }
}

/**
 * Adds declared fields that have owned descendants as members (`EnsureNamedFieldsAreMembers`), so that
 * removing a struct field removes it even though only its leaves were recorded.
 */
export function ensureNamedFieldsAreMembers(set: FieldSet, node: SchemaNode | undefined): FieldSet {
  const members = set.members();
  const children: { pe: PathElement; set: FieldSet }[] = [];
  const map = node?.map;
  for (const c of set.children()) {
    let child: SchemaNode | undefined;
    if (c.pe.kind === 'field' && map) {
      const declared = map.field(c.pe.name);
      if (declared && !set.hasMember(c.pe)) members.push(c.pe);
      child = declared ?? map.elements;
    } else if (c.pe.kind === 'key' && node?.list) {
      child = node.list.items;
    }
    children.push({ pe: c.pe, set: ensureNamedFieldsAreMembers(c.set, child) });
  }
  return FieldSet.fromParts(members, children);
}

// ------------------------------------------------------------------------------------------ comparison

/** Fields that differ between two values. A field appears in at most one of the three sets. */
export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/** `TypedValue.Compare`: what changed from `lhs` to `rhs`, leaf by leaf (atomic values count as leaves). */
export function compareTyped(lhs: unknown, rhs: unknown, node: SchemaNode): Comparison {
  const c: Comparison = { added: new FieldSet(), modified: new FieldSet(), removed: new FieldSet() };
  compareWalk(lhs, rhs, node, [], c);
  return c;
}

function compareWalk(lhs: unknown, rhs: unknown, node: SchemaNode, path: FieldPath, c: Comparison): void {
  let inLeaf: boolean;
  if (rhs === undefined) {
    inLeaf = compareAtom(atomOf(node, lhs), lhs, rhs, node, path, c);
  } else {
    const ar = atomOf(node, rhs);
    if (lhs !== undefined) {
      const al = atomOf(node, lhs);
      // A value that changed kind (scalar to map...) is compared as both kinds, as upstream does.
      if (al !== ar) compareAtom(al, lhs, rhs, node, path, c);
    }
    inLeaf = compareAtom(ar, lhs, rhs, node, path, c);
  }
  if (!inLeaf) {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
  }
}

/** Returns whether the node was compared as a leaf. */
function compareAtom(
  atom: 'scalar' | 'list' | 'map',
  lhs: unknown,
  rhs: unknown,
  node: SchemaNode,
  path: FieldPath,
  c: Comparison,
): boolean {
  const leaf = (): boolean => {
    if (lhs === undefined) c.added.insert(path);
    else if (rhs === undefined) c.removed.insert(path);
    else if (!valuesEqual(lhs, rhs)) c.modified.insert(path);
    return true;
  };
  switch (atom) {
    case 'scalar':
      return leaf();
    case 'list': {
      const list = node.list;
      if (!list) return leaf();
      const l = Array.isArray(lhs) ? lhs : undefined;
      const r = Array.isArray(rhs) ? rhs : undefined;
      if (list.type === 'atomic' || ((l?.length ?? 0) === 0 && (r?.length ?? 0) === 0)) return leaf();
      compareListItems(list, l ?? [], r ?? [], path, c);
      return false;
    }
    case 'map': {
      const map = node.map;
      if (!map) return leaf();
      const l = isObject(lhs) ? lhs : undefined;
      const r = isObject(rhs) ? rhs : undefined;
      if (map.type === 'atomic' || (isEmptyMap(l) && isEmptyMap(r))) return leaf();
      const keys = new Set<string>();
      for (const [k] of definedEntries(l ?? {})) keys.add(k);
      for (const [k] of definedEntries(r ?? {})) keys.add(k);
      for (const k of keys) compareWalk(l?.[k], r?.[k], childOf(map, k), [...path, fieldElement(k)], c);
      return false;
    }
  }
}

function indexItems(
  list: ListSchema,
  items: unknown[],
  path: FieldPath,
  order: PathElement[],
  seen: Set<string>,
) {
  const byKey = new Map<string, unknown[]>();
  items.forEach((item, i) => {
    let pe: PathElement;
    try {
      pe = itemElement(list, item);
    } catch (err) {
      if (!(err instanceof ItemError)) throw err;
      const where = path.map(pathElementToString).join('');
      throw new TypedValueError([`${where}: element ${i}: ${err.message}`]);
    }
    const existing = byKey.get(pe.id);
    if (existing) existing.push(item);
    else {
      byKey.set(pe.id, [item]);
      if (!seen.has(pe.id)) {
        seen.add(pe.id);
        order.push(pe);
      }
    }
  });
  return byKey;
}

function compareListItems(
  list: ListSchema,
  l: unknown[],
  r: unknown[],
  path: FieldPath,
  c: Comparison,
): void {
  const order: PathElement[] = [];
  const seen = new Set<string>();
  const lValues = indexItems(list, l, path, order, seen);
  const rValues = indexItems(list, r, path, order, seen);
  for (const pe of order) {
    const lList = lValues.get(pe.id) ?? [];
    const rList = rValues.get(pe.id) ?? [];
    const p = [...path, pe];
    if (lList.length <= 1 && rList.length <= 1) {
      compareWalk(lList[0], rList[0], list.items, p, c);
    } else if (lList.length >= 2 && rList.length >= 2) {
      // Duplicates on both sides are compared as one atomic value.
      if (lList.length !== rList.length || lList.some((v, i) => !valuesEqual(v, rList[i])))
        c.modified.insert(p);
    } else if (lList.length >= 2) {
      if (rList.length > 0) compareWalk(undefined, rList[0], list.items, p, c);
      c.removed.insert(p);
    } else {
      if (lList.length > 0) compareWalk(lList[0], undefined, list.items, p, c);
      c.added.insert(p);
    }
  }
}

// ------------------------------------------------------------------------------------------ merge

/**
 * `TypedValue.Merge` with the keep-right rule: `rhs` (the applied configuration) wins on every leaf, maps
 * are merged key by key, sets and map-lists item by item (keeping the live order and placing new items
 * where the configuration puts them), atomic values are replaced whole. The result shares structure with
 * the inputs.
 */
export function mergeTyped(lhs: unknown, rhs: unknown, node: SchemaNode): unknown {
  if (rhs === undefined) return lhs;
  if (lhs === undefined) return rhs;
  switch (atomOf(node, rhs)) {
    case 'scalar':
      return rhs;
    case 'list': {
      const list = node.list;
      const l = Array.isArray(lhs) ? lhs : undefined;
      const r = Array.isArray(rhs) ? rhs : undefined;
      if (!list || list.type === 'atomic' || ((l?.length ?? 0) === 0 && (r?.length ?? 0) === 0)) return rhs;
      return mergeListItems(list, l ?? [], r ?? []);
    }
    case 'map': {
      const map = node.map;
      const l = isObject(lhs) ? lhs : undefined;
      const r = isObject(rhs) ? rhs : undefined;
      if (!map || map.type === 'atomic' || (isEmptyMap(l) && isEmptyMap(r))) return rhs;
      const out: Json = {};
      for (const [k, v] of definedEntries(l ?? {})) {
        const merged = mergeTyped(v, r?.[k], childOf(map, k));
        if (merged !== undefined) out[k] = merged;
      }
      for (const [k, v] of definedEntries(r ?? {})) if (!(k in out) && l?.[k] === undefined) out[k] = v;
      return Object.keys(out).length > 0 ? out : undefined;
    }
  }
}

function mergeListItems(list: ListSchema, l: unknown[], r: unknown[]): unknown[] | undefined {
  const rPEs = r.map((item) => itemElement(list, item));
  const rObserved = new Map<string, unknown>();
  rPEs.forEach((pe, i) => rObserved.set(pe.id, r[i]));
  const lPEs = l.map((item) => itemElement(list, item));
  const lObserved = new Map<string, unknown>();
  // Duplicated live items are not merged with the configuration; the first configured item replaces them.
  lPEs.forEach((pe, i) => lObserved.set(pe.id, lObserved.has(pe.id) ? null : l[i]));

  const sharedOrder = rPEs.filter((pe) => lObserved.has(pe.id));
  let shared = 0;
  let nextShared: PathElement | undefined = sharedOrder[shared++];
  const mergedRHS = new Set<string>();
  const out: unknown[] = [];
  const push = (v: unknown): void => {
    if (v !== undefined) out.push(v);
  };

  let lI = 0;
  let rI = 0;
  while (lI < l.length || rI < r.length) {
    if (lI < l.length && rI < r.length) {
      const pe = lPEs[lI] as PathElement;
      if (pe.id === (rPEs[rI] as PathElement).id) {
        mergedRHS.add(pe.id);
        push(mergeTyped(lObserved.get(pe.id), rObserved.get(pe.id), list.items));
        lI++;
        rI++;
        nextShared = sharedOrder[shared++];
        continue;
      }
      // A live item the configuration also has, but further on: wait for its turn.
      if (rObserved.has(pe.id) && nextShared !== undefined && nextShared.id !== pe.id) {
        lI++;
        continue;
      }
    }
    if (lI < l.length) {
      const pe = lPEs[lI] as PathElement;
      if (!rObserved.has(pe.id)) {
        push(l[lI]);
        lI++;
        continue;
      } else if (mergedRHS.has(pe.id)) {
        lI++;
      }
    }
    if (rI < r.length) {
      const pe = rPEs[rI] as PathElement;
      mergedRHS.add(pe.id);
      push(mergeTyped(lObserved.get(pe.id), rObserved.get(pe.id), list.items));
      rI++;
      if (nextShared !== undefined && nextShared.id === pe.id) nextShared = sharedOrder[shared++];
    }
  }
  return out.length > 0 ? out : undefined;
}

// ------------------------------------------------------------------------------------------ removal

/**
 * `TypedValue.RemoveItems`: drops every member of `toRemove` (a field with all below it, a list item) from
 * the value. As upstream, a map or list emptied by the removal (and an atomic one below a removed path)
 * becomes null; see `dropIntroducedNulls`.
 */
export function removeItems(value: unknown, toRemove: FieldSet, node: SchemaNode): unknown {
  switch (atomOf(node, value)) {
    case 'scalar':
      return value;
    case 'list': {
      const list = node.list;
      if (!list || !Array.isArray(value) || value.length === 0 || list.type === 'atomic') return null;
      const out: unknown[] = [];
      for (let item of value as unknown[]) {
        const pe = tryItemElement(list, item);
        if (pe) {
          if (toRemove.hasMember(pe)) continue;
          const below = toRemove.withPrefix(pe);
          if (!below.empty()) item = removeItems(item, below, list.items);
        }
        out.push(item);
      }
      return out.length > 0 ? out : null;
    }
    case 'map': {
      const map = node.map;
      if (!map || !isObject(value) || isEmptyMap(value) || map.type === 'atomic') return null;
      const out: Json = {};
      for (const [k, v] of definedEntries(value)) {
        const pe = fieldElement(k);
        if (toRemove.hasMember(pe)) continue;
        const below = toRemove.withPrefix(pe);
        out[k] = below.empty() ? v : removeItems(v, below, childOf(map, k));
      }
      return Object.keys(out).length > 0 ? out : null;
    }
  }
}

/**
 * Drops the nulls that removal left where `before` had a value: at declared fields (which CRD pruning of
 * non-nullable nulls and Go struct decoding erase in kube-apiserver) and as list items. Nulls under
 * undeclared keys (preserve-unknown-fields content) stay, as they do upstream. Returns `value` itself when
 * there is nothing to drop.
 */
export function dropIntroducedNulls(value: unknown, before: unknown, node: SchemaNode): unknown {
  switch (atomOf(node, value)) {
    case 'scalar':
      return value;
    case 'list': {
      const list = node.list;
      if (!list || list.type === 'atomic' || !Array.isArray(value)) return value;
      const previous = new Map<string, unknown>();
      if (Array.isArray(before))
        for (const item of before as unknown[]) {
          const pe = tryItemElement(list, item);
          if (pe) previous.set(pe.id, item);
        }
      let changed = false;
      const out: unknown[] = [];
      for (const item of value as unknown[]) {
        if (item === null) {
          changed = true;
          continue;
        }
        const pe = tryItemElement(list, item);
        const cleaned = pe ? dropIntroducedNulls(item, previous.get(pe.id), list.items) : item;
        if (cleaned !== item) changed = true;
        out.push(cleaned);
      }
      return changed ? out : value;
    }
    case 'map': {
      const map = node.map;
      if (!map || map.type === 'atomic' || !isObject(value)) return value;
      const prior = isObject(before) ? before : undefined;
      let out: Json | undefined;
      for (const [k, v] of definedEntries(value)) {
        if (v === null) {
          if (prior?.[k] !== undefined && prior[k] !== null && map.field(k)) {
            out ??= { ...value };
            delete out[k];
          }
          continue;
        }
        const cleaned = dropIntroducedNulls(v, prior?.[k], childOf(map, k));
        if (cleaned !== v) {
          out ??= { ...value };
          out[k] = cleaned;
        }
      }
      return out ?? value;
    }
  }
}
