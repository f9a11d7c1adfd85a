import type { PrinterColumn } from '../query/custom-resource-table.js';
import type {
  JSONSchemaProps,
  KubeObject,
  ResourceDefinition,
  ScaleSubresource,
  TablePrinter,
} from '../registry/resource-definition.js';

export type { PrinterColumn };

interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  schema?: { openAPIV3Schema?: JSONSchemaProps };
  subresources?: { status?: object; scale?: ScaleSubresource };
  additionalPrinterColumns?: PrinterColumn[];
  selectableFields?: { jsonPath: string }[];
}

export interface CrdSpec {
  group: string;
  names: {
    plural: string;
    singular?: string;
    kind: string;
    listKind?: string;
    shortNames?: string[];
    categories?: string[];
  };
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}

export const CR_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export interface CrdResourceOptions {
  /** Builds a table printer from printer columns (JSONPath evaluation lives in query/). */
  printerFor: (columns: PrinterColumn[]) => TablePrinter;
  /** Reads the selectable fields of an object by JSONPath. */
  selectableFieldsFor?: (paths: string[]) => (obj: KubeObject) => Record<string, string>;
}

/** The resource definitions a CRD serves: one per served version, with CR strategies (apiextensions). */
export function crdResourceDefinitions(spec: CrdSpec, opts: CrdResourceOptions): ResourceDefinition[] {
  const names = spec.names;
  return spec.versions
    .filter((v) => v.served)
    .map((v) => {
      const columns =
        v.additionalPrinterColumns && v.additionalPrinterColumns.length > 0
          ? v.additionalPrinterColumns
          : [{ name: 'Age', type: 'date' as const, jsonPath: '.metadata.creationTimestamp' }];
      const selectable = (v.selectableFields ?? []).map((f) => f.jsonPath);
      const def: ResourceDefinition = {
        group: spec.group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        namespaced: spec.scope === 'Namespaced',
        verbs: CR_VERBS,
        subresources: {
          ...(v.subresources?.status ? { status: true } : {}),
          ...(v.subresources?.scale ? { scale: v.subresources.scale } : {}),
        },
        ...(v.schema?.openAPIV3Schema ? { schema: v.schema.openAPIV3Schema } : {}),
        strategy: { hasGeneration: true, allowUnconditionalUpdate: false },
        table: opts.printerFor(columns),
        ...(selectable.length > 0 && opts.selectableFieldsFor
          ? { selectableFields: opts.selectableFieldsFor(selectable) }
          : {}),
      };
      return def;
    });
}

export function storageVersionOf(spec: CrdSpec): string | undefined {
  return spec.versions.find((v) => v.storage)?.name;
}
