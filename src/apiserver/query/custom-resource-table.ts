import type { KubeObject, TableColumnDefinition, TablePrinter } from '../registry/resource-definition.js';
import { goQuote } from '../util/go-format.js';
import { humanDuration } from './human-duration.js';
import { isJsonPathParseError } from './jsonpath-errors.js';
import { findJsonPathGoResults, GoFloat, type GoValue, INVALID } from './jsonpath-evaluate.js';
import type { JsonPathTemplate } from './jsonpath-nodes.js';
import { parseJsonPathExpression } from './jsonpath-parser.js';
import { formatJsonPathValue } from './jsonpath-print.js';
import { parseRfc3339 } from './rfc3339.js';
import {
  type BuildTableOptions,
  buildTable,
  NAME_COLUMN,
  OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
  type Table,
} from './table.js';

/*
 * Tables for custom resources, as apiextensions-apiserver builds them (`pkg/apiserver/helpers.go`
 * serveDefaultColumnsIfEmpty, `pkg/registry/customresource/tableconvertor`).
 */

/** A CRD version's `additionalPrinterColumns[]` entry (`CustomResourceColumnDefinition`). */
export interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description?: string;
  priority?: number;
  jsonPath: string;
}

/** The columns a CRD version without additionalPrinterColumns is served with. */
export const DEFAULT_CUSTOM_RESOURCE_COLUMNS: readonly PrinterColumn[] = [
  {
    name: 'Age',
    type: 'date',
    description: OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
    jsonPath: '.metadata.creationTimestamp',
  },
];

/** A printer plus, when a column's JSONPath did not parse, why the remaining columns were dropped. */
export interface CustomResourceTablePrinter extends TablePrinter {
  /** `unrecognized column definition ".spec.["`: columns from the bad one on are not served. */
  readonly error?: string;
}

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

/** Go's `int64(f)` on amd64: truncation, and the minimum int64 when out of range. */
function toInt64(f: number): number {
  const t = Math.trunc(f);
  return Number.isFinite(t) && t >= INT64_MIN && t < INT64_LIMIT ? t : INT64_MIN;
}

/** `metatable.ConvertToHumanReadableDateType` of a `metav1.Time` read from a query-parameter string. */
function dateCell(text: string, now: Date): string {
  if (text === '' || text === 'null') return '<unknown>';
  const t = parseRfc3339(text);
  if (t === undefined) return '<invalid>';
  return humanDuration(now.getTime() - t);
}

/** The tableconvertor's `cellForJSONValue`: the value if it has the column's type, converted; else null. */
function typedCell(type: PrinterColumn['type'], value: GoValue, now: Date): unknown {
  if (value === null || value === undefined || value === INVALID) return null;
  switch (type) {
    case 'integer':
      if (value instanceof GoFloat) return toInt64(value.value);
      if (typeof value === 'number') return toInt64(value);
      return null;
    case 'number':
      if (value instanceof GoFloat) return value.value;
      if (typeof value === 'number') return value;
      return null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return typeof value === 'string' ? value : null;
    case 'date':
      return typeof value === 'string' ? dateCell(value, now) : null;
  }
}

function cell(column: PrinterColumn, template: JsonPathTemplate, obj: KubeObject, now: Date): unknown {
  let results: GoValue[][];
  try {
    results = findJsonPathGoResults(template, obj, { allowMissingKeys: true });
  } catch {
    return null;
  }
  // Only the first value of the first result counts: printer columns are meant to be simple paths.
  const first = results[0];
  if (!first || first.length === 0) return null;
  const value = first[0];
  if (column.type === 'string') {
    // Printed like `-o jsonpath`: numbers, booleans and objects become text; a JSON null `<no value>`.
    return formatJsonPathValue(value === null ? INVALID : value);
  }
  return typedCell(column.type, value, now);
}

/**
 * Compiles a CRD version's printer columns into a {@link TablePrinter}: `Name` first, then each column
 * with its type, format, priority and description (`Custom resource definition column (in JSONPath
 * format): <path>` when it has none). No columns means the single `Age` column. Cells:
 *
 * - the JSONPath (`{<jsonPath>}`, missing keys allowed) is evaluated per object; no result or an
 *   evaluation error gives null (kubectl prints `<none>`), and of several results only the first is used;
 * - `string` columns print the value as `-o jsonpath` would (`3`, `true`, `{"a":"b"}`);
 * - `integer` takes numbers, truncating fractions; `number` takes numbers; `boolean` booleans;
 * - `date` takes RFC 3339 strings and shows the age (`5m`, `<invalid>` if unparsable, `<unknown>` if "");
 * - a value of another type is null.
 */
export function customResourceTablePrinter(columns: readonly PrinterColumn[]): CustomResourceTablePrinter {
  const served = columns.length > 0 ? columns : DEFAULT_CUSTOM_RESOURCE_COLUMNS;
  const definitions: TableColumnDefinition[] = [{ ...NAME_COLUMN }];
  const compiled: { column: PrinterColumn; template: JsonPathTemplate }[] = [];
  let error: string | undefined;
  for (const column of served) {
    let template: JsonPathTemplate;
    try {
      template = parseJsonPathExpression(column.jsonPath);
    } catch (err) {
      if (!isJsonPathParseError(err)) throw err;
      error = `unrecognized column definition ${goQuote(column.jsonPath)}`;
      break;
    }
    compiled.push({ column, template });
    definitions.push({
      name: column.name,
      type: column.type,
      format: column.format ?? '',
      description:
        column.description || `Custom resource definition column (in JSONPath format): ${column.jsonPath}`,
      priority: column.priority ?? 0,
    });
  }
  return {
    columns: definitions,
    cells: (obj, now) => [
      obj.metadata?.name ?? '',
      ...compiled.map((c) => cell(c.column, c.template, obj, now)),
    ],
    ...(error === undefined ? {} : { error }),
  };
}

const printerCache = new WeakMap<readonly PrinterColumn[], CustomResourceTablePrinter>();

export interface CustomResourceTableOptions extends Omit<BuildTableOptions, 'printer'> {
  /** The served version's `additionalPrinterColumns` (empty or absent: the default `Age` column). */
  columns: readonly PrinterColumn[] | undefined;
}

/**
 * The `meta.k8s.io/v1` Table kube-apiserver answers for custom resources. The columns array is compiled
 * once and cached by identity, so pass the CRD's own array rather than a fresh copy per request.
 */
export function buildCustomResourceTable(options: CustomResourceTableOptions): Table {
  const columns = options.columns ?? DEFAULT_CUSTOM_RESOURCE_COLUMNS;
  let printer = printerCache.get(columns);
  if (!printer) {
    printer = customResourceTablePrinter(columns);
    printerCache.set(columns, printer);
  }
  return buildTable({ ...options, printer });
}
