import { statusErrors } from '../errors/status-error.js';
import type {
  KubeObject,
  ObjectMeta,
  TableColumnDefinition,
  TablePrinter,
} from '../registry/resource-definition.js';
import { goQuote } from '../util/go-format.js';

/*
 * `meta.k8s.io/v1` Table responses (apiserver `endpoints/handlers/response.go` `asTable`): the printer
 * produces cells, and each row carries the object as `includeObject` asks.
 */

/** `?includeObject=`: what each row's `object` holds. */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** The list metadata a Table repeats (all optional, omitted when unset). */
export interface TableListMeta {
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

export interface TableRow {
  cells: unknown[];
  /** PartialObjectMetadata (Metadata), the object itself (Object), absent (None). */
  object?: KubeObject | PartialObjectMetadata;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: TableListMeta;
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** `ObjectMeta.name`'s API documentation, which upstream uses as the Name column's description. */
export const OBJECT_META_NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

/** `ObjectMeta.creationTimestamp`'s API documentation (the Age and Created At columns). */
export const OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

/** The first column of every Table. */
export const NAME_COLUMN: TableColumnDefinition = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description: OBJECT_META_NAME_DESCRIPTION,
  priority: 0,
};

/**
 * Reads `?includeObject=`: absent or empty means Metadata; anything else but the three values is
 * 400 `unrecognized includeObject value: "x"`.
 */
export function parseIncludeObject(value: string | null | undefined): IncludeObject {
  if (value === null || value === undefined || value === '' || value === 'Metadata') return 'Metadata';
  if (value === 'None' || value === 'Object') return value;
  throw statusErrors.badRequest(`unrecognized includeObject value: ${goQuote(value)}`);
}

/** `meta.AsPartialObjectMetadata`: the whole ObjectMeta (a shallow copy), under meta.k8s.io/v1. */
export function asPartialObjectMetadata(obj: KubeObject): PartialObjectMetadata {
  return {
    kind: 'PartialObjectMetadata',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { ...(obj.metadata ?? {}) },
  };
}

export interface BuildTableOptions {
  printer: TablePrinter;
  /** The list's items, or the single object of a GET. */
  objects: readonly KubeObject[];
  /** The clock ages are measured against. */
  now: Date;
  /** Default Metadata. */
  includeObject?: IncludeObject;
  /** For a GET of one object pass `{ resourceVersion }` of that object, as upstream does. */
  listMeta?: TableListMeta;
  /**
   * False for `TableOptions.noHeaders` (later pages of a watch): the column definitions are left out.
   * Upstream then sends `columnDefinitions: null`; an empty list means the same to clients.
   */
  withColumnDefinitions?: boolean;
}

function cleanListMeta(meta: TableListMeta | undefined): TableListMeta {
  const out: TableListMeta = {};
  if (meta?.resourceVersion) out.resourceVersion = meta.resourceVersion;
  if (meta?.continue) out.continue = meta.continue;
  if (meta?.remainingItemCount !== undefined && meta.remainingItemCount !== null) {
    out.remainingItemCount = meta.remainingItemCount;
  }
  return out;
}

/**
 * A Table from any printer. Rows follow `objects` in order; with `includeObject: 'None'` rows have no
 * `object` member (upstream writes `"object": null`, which clients read the same way).
 */
export function buildTable(options: BuildTableOptions): Table {
  const includeObject = options.includeObject ?? 'Metadata';
  const rows = options.objects.map((obj): TableRow => {
    const cells = options.printer.cells(obj, options.now);
    switch (includeObject) {
      case 'None':
        return { cells };
      case 'Object':
        return { cells, object: obj };
      case 'Metadata':
        return { cells, object: asPartialObjectMetadata(obj) };
    }
  });
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: cleanListMeta(options.listMeta),
    columnDefinitions:
      options.withColumnDefinitions === false ? [] : options.printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
