import {
  type FieldPath,
  type PathElement,
  comparePathElements,
  parsePathElement,
  PathElementSyntaxError,
  pathToString,
} from './field-path.js';

interface ChildNode {
  readonly pe: PathElement;
  readonly set: FieldSet;
}

/** A fieldsV1 document that cannot be read. */
export class FieldsV1Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FieldsV1Error';
  }
}

/**
 * A set of field paths, stored as a trie the way structured-merge-diff's `fieldpath.Set` is: at each level the
 * elements that are members (owned themselves) and the elements that have owned descendants. A path can be
 * both, which fieldsV1 writes as `".": {}`.
 *
 * Sets are values: the operations return new sets and never change their inputs. Only `insert` mutates, and
 * only sets that a builder still holds privately should be passed to it.
 */
export class FieldSet {
  readonly #members = new Map<string, PathElement>();
  readonly #children = new Map<string, ChildNode>();

  /** A set from its top level: `members` are owned, `children` hold owned descendants. */
  static fromParts(
    members: Iterable<PathElement>,
    children: Iterable<{ pe: PathElement; set: FieldSet }>,
  ): FieldSet {
    const s = new FieldSet();
    for (const pe of members) s.#members.set(pe.id, pe);
    for (const c of children) if (!c.set.empty()) s.#children.set(c.pe.id, { pe: c.pe, set: c.set });
    return s;
  }

  static of(...paths: FieldPath[]): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  /** Adds a path (a no-op for the empty path). */
  insert(path: FieldPath): void {
    if (path.length === 0) return;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking down the trie
    let node: FieldSet = this;
    for (let i = 0; i < path.length - 1; i++) node = node.#descend(path[i] as PathElement);
    const last = path[path.length - 1] as PathElement;
    node.#members.set(last.id, last);
  }

  #descend(pe: PathElement): FieldSet {
    let child = this.#children.get(pe.id);
    if (!child) {
      child = { pe, set: new FieldSet() };
      this.#children.set(pe.id, child);
    }
    return child.set;
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking down the trie
    let node: FieldSet | undefined = this;
    for (let i = 0; i < path.length - 1; i++) {
      node = node.#children.get((path[i] as PathElement).id)?.set;
      if (!node) return false;
    }
    return node.#members.has((path[path.length - 1] as PathElement).id);
  }

  hasMember(pe: PathElement): boolean {
    return this.#members.has(pe.id);
  }

  /** The subset below `pe` (paths relative to it); empty when there is none. */
  withPrefix(pe: PathElement): FieldSet {
    return this.#children.get(pe.id)?.set ?? EMPTY;
  }

  /** Members at this level, in upstream order. */
  members(): PathElement[] {
    return [...this.#members.values()].sort(comparePathElements);
  }

  /** Elements with descendants at this level, in upstream order, with their subsets. */
  children(): { pe: PathElement; set: FieldSet }[] {
    return [...this.#children.values()].sort((a, b) => comparePathElements(a.pe, b.pe));
  }

  empty(): boolean {
    if (this.#members.size > 0) return false;
    for (const c of this.#children.values()) if (!c.set.empty()) return false;
    return true;
  }

  /** Number of paths. */
  size(): number {
    let n = this.#members.size;
    for (const c of this.#children.values()) n += c.set.size();
    return n;
  }

  union(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    if (this.empty()) return other;
    const out = new FieldSet();
    for (const [id, pe] of this.#members) out.#members.set(id, pe);
    for (const [id, pe] of other.#members) out.#members.set(id, pe);
    for (const [id, c] of this.#children) out.#children.set(id, c);
    for (const [id, c] of other.#children) {
      const mine = out.#children.get(id);
      out.#children.set(id, mine ? { pe: mine.pe, set: mine.set.union(c.set) } : c);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      const theirs = other.#children.get(id);
      if (!theirs) continue;
      const both = c.set.intersection(theirs.set);
      if (!both.empty()) out.#children.set(id, { pe: c.pe, set: both });
    }
    return out;
  }

  /** Paths of this set not in `other`; removing a member leaves its descendants alone. */
  difference(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (!other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      const theirs = other.#children.get(id);
      if (!theirs) {
        out.#children.set(id, c);
        continue;
      }
      const diff = c.set.difference(theirs.set);
      if (!diff.empty()) out.#children.set(id, { pe: c.pe, set: diff });
    }
    return out;
  }

  /** Like `difference`, but a member of `other` also removes everything below it. */
  recursiveDifference(other: FieldSet): FieldSet {
    if (other.empty()) return this;
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (!other.#members.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) {
      if (other.#members.has(id)) continue;
      const theirs = other.#children.get(id);
      if (!theirs) {
        out.#children.set(id, c);
        continue;
      }
      const diff = c.set.recursiveDifference(theirs.set);
      if (!diff.empty()) out.#children.set(id, { pe: c.pe, set: diff });
    }
    return out;
  }

  /** The members that have no descendants in the set. */
  leaves(): FieldSet {
    const out = new FieldSet();
    for (const [id, pe] of this.#members) if (!this.#children.has(id)) out.#members.set(id, pe);
    for (const [id, c] of this.#children) out.#children.set(id, { pe: c.pe, set: c.set.leaves() });
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.#members.size !== other.#members.size) return false;
    for (const id of this.#members.keys()) if (!other.#members.has(id)) return false;
    const mine = [...this.#children.values()].filter((c) => !c.set.empty());
    const theirs = [...other.#children.values()].filter((c) => !c.set.empty());
    if (mine.length !== theirs.length) return false;
    return mine.every((c) => {
      const t = other.#children.get(c.pe.id);
      return t !== undefined && c.set.equals(t.set);
    });
  }

  /** Every path, in the order upstream iterates them: members first, then each child's paths. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const walk = (s: FieldSet, prefix: PathElement[]): void => {
      for (const pe of s.members()) out.push([...prefix, pe]);
      for (const c of s.children()) walk(c.set, [...prefix, c.pe]);
    };
    walk(this, []);
    return out;
  }

  /** One human-readable path per line (`.spec.replicas`). */
  toString(): string {
    return this.paths().map(pathToString).join('\n');
  }

  /** The fieldsV1 trie: `{"f:spec":{".":{},"f:replicas":{}}}`, keys in upstream order. */
  toFieldsV1(): Record<string, unknown> {
    return this.#emit(false);
  }

  #emit(includeSelf: boolean): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const children = this.children().filter((c) => !c.set.empty());
    if (includeSelf && (this.#members.size > 0 || children.length > 0)) out['.'] = {};
    const members = this.members();
    let mi = 0;
    let ci = 0;
    while (mi < members.length || ci < children.length) {
      const m = members[mi];
      const c = children[ci];
      const order = m && c ? comparePathElements(m, c.pe) : m ? -1 : 1;
      if (order < 0 && m) {
        out[m.id] = {};
        mi++;
      } else if (order > 0 && c) {
        out[c.pe.id] = c.set.#emit(false);
        ci++;
      } else if (c) {
        out[c.pe.id] = c.set.#emit(true);
        mi++;
        ci++;
      }
    }
    return out;
  }

  /** Reads a fieldsV1 trie; throws FieldsV1Error when it is malformed. */
  static fromFieldsV1(fields: unknown): FieldSet {
    if (fields === undefined || fields === null) return new FieldSet();
    const { children } = readNode(fields, '');
    return children ?? new FieldSet();
  }
}

const EMPTY = new FieldSet();

function readNode(node: unknown, where: string): { children: FieldSet | undefined; isMember: boolean } {
  if (typeof node !== 'object' || node === null || Array.isArray(node))
    throw new FieldsV1Error(`expected an object${where ? ` at ${where}` : ''}`);
  let children: FieldSet | undefined;
  let isMember = false;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    if (key === '.') {
      isMember = true;
      continue;
    }
    let pe: PathElement | undefined;
    try {
      pe = parsePathElement(key);
    } catch (err) {
      if (err instanceof PathElementSyntaxError)
        throw new FieldsV1Error(`parsing key as path element: ${err.message}`);
      throw err;
    }
    if (!pe) continue;
    const child = readNode(value, key);
    children ??= new FieldSet();
    if (child.isMember) children.insert([pe]);
    if (child.children) for (const p of child.children.paths()) children.insert([pe, ...p]);
  }
  // `{}` (or an object holding only unknown element types) means the path itself is owned.
  if (children === undefined) isMember = true;
  return { children, isMember };
}
