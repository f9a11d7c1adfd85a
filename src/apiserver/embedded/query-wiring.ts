import type { PrinterColumn } from '../crd/crd-resources.js';
import type { TableBuilder } from '../http/table.js';
import {
  buildTable,
  checkFieldSelectorFields,
  customResourceTablePrinter,
  DEFAULT_TABLE_PRINTER,
  fieldSelectorMatches,
  humanDuration,
  isSelectorParseError,
  isUnsupportedFieldSelectorError,
  parseFieldSelector,
  parseLabelSelector,
  selectableFieldsReader,
  selectorBadRequest,
} from '../query/index.js';
import type { KubeObject, ResourceDefinition, TablePrinter } from '../registry/resource-definition.js';

export { selectableFieldsReader };

/** A CRD version's printer: its additionalPrinterColumns evaluated with Kubernetes JSONPath. */
export const crdPrinter = (columns: PrinterColumn[]): TablePrinter => customResourceTablePrinter(columns);

/**
 * Built-in printers put raw timestamps in `date` columns; the server shows ages there ("5m"), as
 * kube-apiserver's printers do.
 */
export function withAges(printer: TablePrinter): TablePrinter {
  const dateColumns = printer.columns.flatMap((c, i) => (c.type === 'date' ? [i] : []));
  if (dateColumns.length === 0) return printer;
  return {
    columns: printer.columns,
    cells: (obj, now) => {
      const cells = printer.cells(obj, now);
      for (const i of dateColumns) {
        const v = cells[i];
        if (typeof v === 'string' && v) {
          const t = Date.parse(v);
          cells[i] = Number.isNaN(t) ? '<unknown>' : humanDuration(now.getTime() - t);
        } else if (v === null || v === undefined || v === '') cells[i] = '<unknown>';
      }
      return cells;
    },
  };
}

export function buildTableBuilder(): TableBuilder {
  return {
    build: (def, items, listMeta, includeObject, withColumnDefinitions) =>
      buildTable({
        printer: def.table ?? DEFAULT_TABLE_PRINTER,
        objects: items,
        now: new Date(),
        includeObject,
        listMeta,
        withColumnDefinitions,
      }),
  };
}

const isBuiltinGroup = (group: string): boolean =>
  group === '' || !group.includes('.') || group.endsWith('.k8s.io');

/**
 * Compiles `labelSelector` and `fieldSelector` into one predicate over objects, or a 400 with
 * kube-apiserver's wording. Field selectors accept metadata.name/namespace plus the kind's selectable fields.
 */
export function compileSelectors(
  def: ResourceDefinition,
  labelText: string | null,
  fieldText: string | null,
): ((obj: KubeObject) => boolean) | undefined {
  const checks: ((obj: KubeObject) => boolean)[] = [];
  try {
    if (labelText) {
      const selector = parseLabelSelector(labelText);
      checks.push((obj) => selector.matches(obj.metadata?.labels));
    }
    if (fieldText) {
      const reqs = parseFieldSelector(fieldText);
      const extra = def.selectableFields ? Object.keys(def.selectableFields({})) : [];
      checkFieldSelectorFields(reqs, extra);
      checks.push((obj) =>
        fieldSelectorMatches(reqs, {
          'metadata.name': obj.metadata?.name ?? '',
          'metadata.namespace': obj.metadata?.namespace ?? '',
          ...(def.selectableFields ? def.selectableFields(obj) : {}),
        }),
      );
    }
  } catch (err) {
    if (isSelectorParseError(err) || isUnsupportedFieldSelectorError(err)) {
      const wording = !isBuiltinGroup(def.group) || def.selectableFields ? 'notSupported' : 'metadataOnly';
      throw selectorBadRequest(err, wording);
    }
    throw err;
  }
  if (checks.length === 0) return undefined;
  return (obj) => checks.every((c) => c(obj));
}
