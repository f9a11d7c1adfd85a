import type { KubeObject, TablePrinter } from '../registry/resource-definition.js';
import { formatRfc3339Utc, parseRfc3339, ZERO_TIME_RFC3339 } from './rfc3339.js';
import {
  type BuildTableOptions,
  buildTable,
  NAME_COLUMN,
  OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
  type Table,
} from './table.js';

/**
 * apiserver `registry/rest/table.go` (`NewDefaultTableConvertor`), used for kinds without a printer of
 * their own (CRDs themselves, APIServices, most built-ins outside core): `Name` and `Created At`
 * (type `date`, empty format), the latter the creation time in UTC, whole seconds
 * (`2024-05-01T10:00:00Z`; `0001-01-01T00:00:00Z` when unset). kubectl turns that date into an age.
 */
export const DEFAULT_TABLE_PRINTER: TablePrinter = {
  columns: [
    NAME_COLUMN,
    {
      name: 'Created At',
      type: 'date',
      format: '',
      description: OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
      priority: 0,
    },
  ],
  cells: (obj: KubeObject) => {
    const created = obj.metadata?.creationTimestamp;
    const ms = created ? parseRfc3339(created) : undefined;
    return [obj.metadata?.name ?? '', ms === undefined ? ZERO_TIME_RFC3339 : formatRfc3339Utc(ms)];
  },
};

/** A Table with the default columns. */
export function buildDefaultTable(options: Omit<BuildTableOptions, 'printer'>): Table {
  return buildTable({ ...options, printer: DEFAULT_TABLE_PRINTER });
}
