import { ProtobufDecodeError } from './errors.js';
import { isKubernetesProtobuf } from './media-types.js';
import { parseSchema } from './schema.js';
import type { FieldDef, FieldType, MessageDef, Schema } from './schema.js';
import { KUBERNETES_SCHEMA } from './schema-defs.js';
import { decodeString, wellKnownToJson } from './well-known.js';
import { WireReader, WireType, concatBytes } from './wire.js';

/** The 4-byte prefix of every Kubernetes protobuf document: `k8s\0`. */
export const KUBERNETES_PROTOBUF_MAGIC: Readonly<Uint8Array> = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface DecodedProtobufObject {
  apiVersion: string;
  kind: string;
  /** The object exactly as Go's encoding/json would write it, `kind` and `apiVersion` first. */
  object: Record<string, unknown>;
  /**
   * Fields on the wire this decoder has no schema for and skipped, as JSON-ish paths with the field
   * number (`spec.volumes[0].#3`). Empty for everything kubectl and client-go send today; a non-empty
   * list means a newer client or a rarely used field (see README) and is worth a Warning header.
   */
  unknownFields: string[];
}

/** apiVersion/kind → root message. `DeleteOptions` is accepted under any apiVersion (see below). */
const KIND_MESSAGES: ReadonlyMap<string, string> = new Map([
  ['v1/Namespace', 'Namespace'],
  ['v1/ConfigMap', 'ConfigMap'],
  ['v1/Secret', 'Secret'],
  ['v1/ServiceAccount', 'ServiceAccount'],
  ['v1/Event', 'Event'],
  ['v1/Pod', 'Pod'],
  ['v1/Node', 'Node'],
  ['authorization.k8s.io/v1/SelfSubjectAccessReview', 'SelfSubjectAccessReview'],
  ['authorization.k8s.io/v1/SubjectAccessReview', 'SubjectAccessReview'],
  ['authorization.k8s.io/v1/LocalSubjectAccessReview', 'LocalSubjectAccessReview'],
  ['authorization.k8s.io/v1/SelfSubjectRulesReview', 'SelfSubjectRulesReview'],
  ['authentication.k8s.io/v1/SelfSubjectReview', 'SelfSubjectReview'],
  ['authentication.k8s.io/v1/TokenReview', 'TokenReview'],
  ['authentication.k8s.io/v1/TokenRequest', 'TokenRequest'],
  ['apps/v1/Deployment', 'Deployment'],
  ['apps/v1/DaemonSet', 'DaemonSet'],
  ['policy/v1/Eviction', 'Eviction'],
  ['policy/v1/PodDisruptionBudget', 'PodDisruptionBudget'],
  ['coordination.k8s.io/v1/Lease', 'Lease'],
  ['rbac.authorization.k8s.io/v1/Role', 'Role'],
  ['rbac.authorization.k8s.io/v1/ClusterRole', 'ClusterRole'],
  ['rbac.authorization.k8s.io/v1/RoleBinding', 'RoleBinding'],
  ['rbac.authorization.k8s.io/v1/ClusterRoleBinding', 'ClusterRoleBinding'],
  ['events.k8s.io/v1/Event', 'events.Event'],
  ['meta.k8s.io/v1/DeleteOptions', 'DeleteOptions'],
]);

/**
 * apimachinery registers DeleteOptions in every group version (`metav1.AddToGroupVersion`), so client-go
 * encodes a DELETE body as `v1`, `apps/v1`, … DeleteOptions; the message is the same everywhere.
 */
function rootMessageName(apiVersion: string, kind: string): string | undefined {
  if (kind === 'DeleteOptions' && /^([a-z0-9.-]+\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion))
    return 'DeleteOptions';
  return KIND_MESSAGES.get(`${apiVersion}/${kind}`);
}

/** The kinds `decodeKubernetesProtobuf` accepts (DeleteOptions is listed once, as meta.k8s.io/v1). */
export function protobufDecodableKinds(): { apiVersion: string; kind: string }[] {
  return [...KIND_MESSAGES.keys()].map((key) => {
    const slash = key.lastIndexOf('/');
    return { apiVersion: key.slice(0, slash), kind: key.slice(slash + 1) };
  });
}

/** Whether a protobuf body of this kind can be decoded; lets a caller answer 415 before reading it. */
export function canDecodeProtobufKind(apiVersion: string, kind: string): boolean {
  return rootMessageName(apiVersion, kind) !== undefined;
}

let schemaCache: Schema | undefined;
function schema(): Schema {
  return (schemaCache ??= parseSchema(KUBERNETES_SCHEMA));
}

/** The message definitions, parsed on first use (exported for tests). */
export function kubernetesProtobufSchema(): Schema {
  return schema();
}

const MAX_UNKNOWN_FIELDS = 50;
/** The schema has no recursive messages; this only stops a bug from recursing forever. */
const MAX_DEPTH = 40;

interface Context {
  unknownFields: string[];
}

/**
 * Decodes a `application/vnd.kubernetes.protobuf` request body: the `k8s\0` magic, a `runtime.Unknown`
 * envelope naming apiVersion and kind, and the kind's `generated.proto` message. Throws only
 * `ProtobufDecodeError`; its `httpStatus` is 415 for kinds and encodings this decoder does not handle and
 * 400 for broken input.
 */
export function decodeKubernetesProtobuf(body: Uint8Array): DecodedProtobufObject {
  if (
    body.length < KUBERNETES_PROTOBUF_MAGIC.length ||
    KUBERNETES_PROTOBUF_MAGIC.some((b, i) => body[i] !== b)
  )
    throw new ProtobufDecodeError(
      'BadMagic',
      'the body is not a Kubernetes protobuf document: it does not start with the k8s\\0 prefix',
    );
  const envelope = decodeEnvelope(body.subarray(KUBERNETES_PROTOBUF_MAGIC.length));
  const { apiVersion, kind } = envelope;
  if (kind === '')
    throw new ProtobufDecodeError('Malformed', "the protobuf envelope does not name the object's kind");
  if (envelope.contentEncoding !== '')
    throw new ProtobufDecodeError(
      'UnsupportedEncoding',
      `protobuf content encoding ${JSON.stringify(envelope.contentEncoding)} is not supported`,
    );
  if (envelope.contentType !== '' && !isKubernetesProtobuf(envelope.contentType))
    throw new ProtobufDecodeError(
      'UnsupportedEncoding',
      `the protobuf envelope wraps ${JSON.stringify(envelope.contentType)}, not protobuf`,
    );
  const rootName = rootMessageName(apiVersion, kind);
  if (rootName === undefined)
    throw new ProtobufDecodeError(
      'UnsupportedKind',
      `${kind} (${apiVersion || 'no apiVersion'}) cannot be sent as protobuf to this server; send application/json`,
    );
  const ctx: Context = { unknownFields: [] };
  const fields = decodeMessage(messageDef(rootName), envelope.raw, '', ctx, 0);
  return { apiVersion, kind, object: { kind, apiVersion, ...fields }, unknownFields: ctx.unknownFields };
}

interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

/** `runtime.Unknown{typeMeta=1{apiVersion=1, kind=2}, raw=2, contentEncoding=3, contentType=4}`. */
function decodeEnvelope(bytes: Uint8Array): Envelope {
  const env: Envelope = {
    apiVersion: '',
    kind: '',
    raw: new Uint8Array(0),
    contentEncoding: '',
    contentType: '',
  };
  const typeMetas: Uint8Array[] = [];
  let where = 'envelope';
  try {
    const reader = new WireReader(bytes);
    while (!reader.done) {
      const { field, wire } = reader.key();
      if (field > 4) {
        reader.skip(wire, field);
        continue;
      }
      expectWire(wire, WireType.LengthDelimited, field);
      const value = reader.bytes();
      if (field === 1) typeMetas.push(value);
      else if (field === 2) env.raw = value;
      else if (field === 3) env.contentEncoding = decodeString(value);
      else env.contentType = decodeString(value);
    }
    where = 'envelope typeMeta';
    const meta = new WireReader(concatBytes(typeMetas));
    while (!meta.done) {
      const { field, wire } = meta.key();
      if (field > 2) {
        meta.skip(wire, field);
        continue;
      }
      expectWire(wire, WireType.LengthDelimited, field);
      const value = decodeString(meta.bytes());
      if (field === 1) env.apiVersion = value;
      else env.kind = value;
    }
  } catch (err) {
    throw err instanceof ProtobufDecodeError ? err.at(where) : err;
  }
  return env;
}

function messageDef(name: string): MessageDef {
  const def = schema().get(name);
  if (!def) throw new Error(`protobuf schema has no message ${name}`);
  return def;
}

function expectWire(wire: number, expected: number, field: number): void {
  if (wire !== expected)
    throw new ProtobufDecodeError(
      'Malformed',
      `wrong wire type ${wire} for field ${field} (want ${expected})`,
    );
}

const isVarintType = (t: FieldType): boolean =>
  t.kind === 'scalar' && (t.name === 'bool' || t.name === 'int32' || t.name === 'int64');

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

/**
 * Reads one message. Values are collected per field number first (repeated occurrences of a singular
 * message field merge, as in Go; a singular scalar keeps its last value), then written out in Go struct
 * order under Go's JSON rules (see `schema.ts`).
 */
function decodeMessage(
  def: MessageDef,
  bytes: Uint8Array,
  path: string,
  ctx: Context,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) throw new ProtobufDecodeError('Malformed', 'objects nested too deeply', path);
  const seen = new Map<number, (bigint | Uint8Array)[]>();
  let where = path;
  try {
    const reader = new WireReader(bytes);
    while (!reader.done) {
      where = path;
      const { field, wire } = reader.key();
      const f = def.byNumber.get(field);
      if (!f) {
        reader.skip(wire, field);
        if (ctx.unknownFields.length < MAX_UNKNOWN_FIELDS) ctx.unknownFields.push(join(path, `#${field}`));
        continue;
      }
      where = join(path, f.json || f.type.name);
      let values = seen.get(field);
      if (!values) seen.set(field, (values = []));
      if (isVarintType(f.type) && f.cardinality !== 'map') {
        if (wire === WireType.Varint) {
          values.push(reader.varint());
        } else if (wire === WireType.LengthDelimited && f.cardinality === 'repeated') {
          const packed = new WireReader(reader.bytes());
          while (!packed.done) values.push(packed.varint());
        } else {
          expectWire(wire, WireType.Varint, field);
        }
      } else {
        expectWire(wire, WireType.LengthDelimited, field);
        values.push(reader.bytes());
      }
    }
  } catch (err) {
    throw err instanceof ProtobufDecodeError ? err.at(where) : err;
  }

  const out: Record<string, unknown> = {};
  for (const f of def.fields) {
    const values = seen.get(f.number) ?? [];
    const fieldPath = join(path, f.json);
    if (f.inline) {
      Object.assign(out, decodeMessage(messageDef(f.type.name), concatAll(values), path, ctx, depth + 1));
      continue;
    }
    if (f.cardinality === 'repeated') {
      if (values.length > 0)
        out[f.json] = values.map((v, i) => valueToJson(f.type, v, `${fieldPath}[${i}]`, ctx, depth));
      else if (f.req) out[f.json] = null;
      continue;
    }
    if (f.cardinality === 'map') {
      if (values.length > 0) out[f.json] = mapToJson(f, values as Uint8Array[], fieldPath, ctx, depth);
      else if (f.req) out[f.json] = null;
      continue;
    }
    if (values.length === 0) {
      if (f.ptr) {
        if (f.req) out[f.json] = null;
        continue;
      }
      if (emitsZero(f)) out[f.json] = zeroJson(f.type, fieldPath, ctx, depth);
      continue;
    }
    // Singular messages merge across occurrences; everything else keeps the last one.
    const raw =
      f.type.kind === 'message' ? concatAll(values) : (values[values.length - 1] as bigint | Uint8Array);
    const value = valueToJson(f.type, raw, fieldPath, ctx, depth);
    // A Go pointer that is on the wire prints even when it points at a zero value.
    if (!f.ptr && isZeroJson(f.type, value) && !emitsZero(f)) continue;
    out[f.json] = value;
  }
  return out;
}

function concatAll(values: readonly (bigint | Uint8Array)[]): Uint8Array {
  const parts = values.filter((v): v is Uint8Array => v instanceof Uint8Array);
  return parts.length === 1 ? (parts[0] as Uint8Array) : concatBytes(parts);
}

/**
 * Whether a non-pointer single field still appears in JSON when it holds its zero value: struct values
 * always do (`omitempty` never drops a Go struct; Time/MicroTime then print `null` unless `omitzero`),
 * scalars only without `omitempty`.
 */
function emitsZero(f: FieldDef): boolean {
  if (f.type.kind === 'message') return true;
  if (f.type.kind === 'wellKnown') return !f.omitzero;
  return f.req;
}

function isZeroJson(type: FieldType, value: unknown): boolean {
  if (type.kind === 'message') return false;
  if (type.kind === 'wellKnown') return value === null;
  return value === '' || value === 0 || value === false;
}

/** The JSON of an absent field's Go zero value (a nil `[]byte` prints as `null`). */
function zeroJson(type: FieldType, path: string, ctx: Context, depth: number): unknown {
  switch (type.kind) {
    case 'message':
      return decodeMessage(messageDef(type.name), new Uint8Array(0), path, ctx, depth + 1);
    case 'wellKnown':
      // Go's zero Quantity prints "0" and a zero IntOrString 0; the others print null.
      return type.name === 'Quantity' ? '0' : type.name === 'IntOrString' ? 0 : null;
    case 'scalar':
      switch (type.name) {
        case 'string':
          return '';
        case 'bool':
          return false;
        case 'int32':
        case 'int64':
          return 0;
        case 'bytes':
          return null;
      }
  }
}

function valueToJson(
  type: FieldType,
  raw: bigint | Uint8Array,
  path: string,
  ctx: Context,
  depth: number,
): unknown {
  try {
    if (typeof raw === 'bigint') {
      const name = type.kind === 'scalar' ? type.name : undefined;
      if (name === 'bool') return raw !== 0n;
      if (name === 'int32') return Number(BigInt.asIntN(32, raw));
      // Values beyond ±2^53 lose precision, as they would in any JSON parsed by JavaScript.
      if (name === 'int64') return Number(BigInt.asIntN(64, raw));
      throw new ProtobufDecodeError('Malformed', 'varint where a length-delimited value belongs');
    }
    switch (type.kind) {
      case 'message':
        return decodeMessage(messageDef(type.name), raw, path, ctx, depth + 1);
      case 'wellKnown':
        return wellKnownToJson(type.name, raw);
      case 'scalar':
        if (type.name === 'string') return decodeString(raw);
        if (type.name === 'bytes')
          return Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64');
        throw new ProtobufDecodeError('Malformed', `length-delimited value where a ${type.name} belongs`);
    }
  } catch (err) {
    throw err instanceof ProtobufDecodeError ? err.at(path) : err;
  }
}

/** A proto map is repeated `{key = 1; value = 2}` entries; Go's JSON sorts the keys. */
function mapToJson(
  f: FieldDef,
  entries: readonly Uint8Array[],
  path: string,
  ctx: Context,
  depth: number,
): Record<string, unknown> {
  const pairs: [string, unknown][] = [];
  for (const entry of entries) {
    let key = '';
    let value: Uint8Array | undefined;
    try {
      const reader = new WireReader(entry);
      while (!reader.done) {
        const { field, wire } = reader.key();
        if (field === 1 || field === 2) {
          expectWire(wire, WireType.LengthDelimited, field);
          if (field === 1) key = decodeString(reader.bytes());
          else value = reader.bytes();
        } else {
          reader.skip(wire, field);
        }
      }
    } catch (err) {
      throw err instanceof ProtobufDecodeError ? err.at(path) : err;
    }
    const entryPath = `${path}[${key}]`;
    pairs.push([
      key,
      value === undefined
        ? f.type.kind === 'scalar' && f.type.name === 'bytes'
          ? ''
          : zeroJson(f.type, entryPath, ctx, depth)
        : valueToJson(f.type, value, entryPath, ctx, depth),
    ]);
  }
  // fromEntries defines own properties, so a key such as "__proto__" stays data.
  return Object.fromEntries(
    pairs.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).filter(([k], i, all) => all[i + 1]?.[0] !== k),
  );
}
