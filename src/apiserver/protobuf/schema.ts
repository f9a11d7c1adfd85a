/**
 * A tiny schema language for the Kubernetes `generated.proto` messages this folder decodes, and its
 * parser. One message per block:
 *
 *     ObjectMeta {
 *       1 name string
 *       9 deletionTimestamp Time ptr
 *       11 labels map<string>
 *       13 ownerReferences []OwnerReference
 *     }
 *
 * A field line is `<number> <json name> <type> [flags]`. The name is the Go JSON name (not always the
 * proto name); `-` marks an embedded Go struct whose fields JSON flattens into the parent (`inline`).
 * Types: `string`, `bool`, `int32`, `int64`, `bytes`; the apimachinery wrappers `Time`, `MicroTime`,
 * `Quantity`, `IntOrString`, `FieldsV1`, `StringList` (a `[]string` Go type wrapped in a message with
 * `repeated string items = 1`, such as `ExtraValue`); any message name; `[]T` (repeated) and `map<T>`
 * (string keys). Flags record how Go's encoding/json treats the Go field, which decides the JSON shape:
 * - `ptr`: a Go pointer; emitted exactly when the field is on the wire, even with a zero value.
 * - `req`: no `omitempty`; emitted even when zero (`""`, `0`, `false`, `null` for nil slices and maps).
 * - `inline`: an embedded struct (see above).
 * - `omitzero`: a zero Time is left out instead of written as `null` (ObjectMeta.creationTimestamp).
 * Without flags a scalar, slice or map is `omitempty` and a nested message (a Go struct value) is always
 * emitted, as `{}` when absent.
 */

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';
export type WellKnownType = 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString' | 'FieldsV1' | 'StringList';

const SCALARS: ReadonlySet<string> = new Set<ScalarType>(['string', 'bool', 'int32', 'int64', 'bytes']);
const WELL_KNOWN: ReadonlySet<string> = new Set<WellKnownType>([
  'Time',
  'MicroTime',
  'Quantity',
  'IntOrString',
  'FieldsV1',
  'StringList',
]);
const FLAGS = new Set(['ptr', 'req', 'inline', 'omitzero']);

export type FieldType =
  | { readonly kind: 'scalar'; readonly name: ScalarType }
  | { readonly kind: 'wellKnown'; readonly name: WellKnownType }
  | { readonly kind: 'message'; readonly name: string };

export interface FieldDef {
  readonly number: number;
  /** The Go JSON name; empty for `inline` fields. */
  readonly json: string;
  readonly type: FieldType;
  readonly cardinality: 'single' | 'repeated' | 'map';
  readonly ptr: boolean;
  readonly req: boolean;
  readonly inline: boolean;
  readonly omitzero: boolean;
}

export interface MessageDef {
  readonly name: string;
  /** In Go struct order, which is the JSON key order. */
  readonly fields: readonly FieldDef[];
  readonly byNumber: ReadonlyMap<number, FieldDef>;
}

export type Schema = ReadonlyMap<string, MessageDef>;

function fieldType(name: string): FieldType {
  if (SCALARS.has(name)) return { kind: 'scalar', name: name as ScalarType };
  if (WELL_KNOWN.has(name)) return { kind: 'wellKnown', name: name as WellKnownType };
  return { kind: 'message', name };
}

/** Parses schema text; throws a plain Error on any inconsistency (a programming error, not bad input). */
export function parseSchema(text: string): Schema {
  const messages = new Map<string, MessageDef>();
  let current: { name: string; fields: FieldDef[] } | undefined;
  const fail = (lineNo: number, why: string): never => {
    throw new Error(`protobuf schema line ${lineNo}: ${why}`);
  };

  text.split('\n').forEach((rawLine, index) => {
    const lineNo = index + 1;
    const line = rawLine.replace(/#.*$/, '').trim();
    if (line === '') return;
    const open = /^([A-Za-z][\w.]*)\s*\{$/.exec(line);
    if (open) {
      if (current) fail(lineNo, `message ${open[1]} starts inside ${current.name}`);
      current = { name: open[1] as string, fields: [] };
      return;
    }
    if (line === '}') {
      if (!current) return fail(lineNo, 'unbalanced }');
      const { name, fields } = current;
      if (messages.has(name)) fail(lineNo, `message ${name} defined twice`);
      const byNumber = new Map(fields.map((f) => [f.number, f]));
      if (byNumber.size !== fields.length) fail(lineNo, `message ${name} repeats a field number`);
      const jsonNames = fields.filter((f) => !f.inline).map((f) => f.json);
      if (new Set(jsonNames).size !== jsonNames.length) fail(lineNo, `message ${name} repeats a JSON name`);
      messages.set(name, { name, fields, byNumber });
      current = undefined;
      return;
    }
    if (!current) return fail(lineNo, `field outside a message: ${line}`);
    const [num, json, typeText, ...flags] = line.split(/\s+/);
    const number = Number(num);
    if (!Number.isInteger(number) || number < 1 || json === undefined || typeText === undefined)
      return fail(lineNo, `expected "<number> <json> <type> [flags]": ${line}`);
    for (const flag of flags) if (!FLAGS.has(flag)) fail(lineNo, `unknown flag ${flag}`);
    let cardinality: FieldDef['cardinality'] = 'single';
    let inner = typeText;
    const map = /^map<([\w.]+)>$/.exec(typeText);
    if (map) {
      cardinality = 'map';
      inner = map[1] as string;
    } else if (typeText.startsWith('[]')) {
      cardinality = 'repeated';
      inner = typeText.slice(2);
    }
    const def: FieldDef = {
      number,
      json: json === '-' ? '' : json,
      type: fieldType(inner),
      cardinality,
      ptr: flags.includes('ptr'),
      req: flags.includes('req'),
      inline: flags.includes('inline'),
      omitzero: flags.includes('omitzero'),
    };
    if (def.inline !== (json === '-')) fail(lineNo, 'inline fields and only they use the JSON name -');
    if (def.inline && (def.type.kind !== 'message' || cardinality !== 'single' || def.ptr))
      fail(lineNo, 'inline needs a single non-pointer message');
    if (def.ptr && cardinality !== 'single') fail(lineNo, 'ptr applies to single fields only');
    if (
      cardinality === 'map' &&
      def.type.kind === 'scalar' &&
      def.type.name !== 'string' &&
      def.type.name !== 'bytes'
    )
      fail(lineNo, 'map values must be strings, bytes or messages');
    current.fields.push(def);
  });
  if (current) fail(text.split('\n').length, `message ${current.name} is not closed`);

  for (const msg of messages.values())
    for (const f of msg.fields)
      if (f.type.kind === 'message' && !messages.has(f.type.name))
        throw new Error(
          `protobuf schema: ${msg.name}.${f.json || f.type.name} refers to unknown ${f.type.name}`,
        );
  return messages;
}
