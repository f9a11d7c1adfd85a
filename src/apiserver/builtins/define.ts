/**
 * `defineBuiltin` fills the parts of a ResourceDefinition that follow from the others (listKind, singular,
 * default verbs, the strategic-merge schema derived from the OpenAPI schema) and registers MicroTime paths.
 * Column helpers keep the printers short.
 */
import type {
  KubeObject,
  ResourceDefinition,
  ResourceStrategy,
  TableColumnDefinition,
  TablePrinter,
} from '../registry/resource-definition.js';
import { strategicMergeFromSchema, type Schema } from './schema-builders.js';
import { registerMicroTimeFields } from './wire-format.js';
import { nameIsDNSSubdomain, type NameValidator } from './validation-helpers.js';

/** The verbs of an ordinary built-in collection, as discovery lists them. */
export const STANDARD_VERBS = [
  'create',
  'delete',
  'deletecollection',
  'get',
  'list',
  'patch',
  'update',
  'watch',
];

export interface BuiltinSpec extends Omit<
  ResourceDefinition,
  'listKind' | 'singular' | 'shortNames' | 'categories' | 'verbs' | 'subresources' | 'strategicMerge'
> {
  singular?: string;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  subresources?: ResourceDefinition['subresources'];
  /** MicroTime paths (dotted, `[]` for list items): decoded with the 6-digit rule. */
  microTimeFields?: string[];
  /** Name rule of the kind (DNS subdomain unless said otherwise). */
  nameValidator?: NameValidator;
  /** False for create-only virtual kinds (no strategic merge patch). */
  patchable?: boolean;
}

const nameValidators = new Map<string, NameValidator>();

export function defineBuiltin(spec: BuiltinSpec): ResourceDefinition {
  const { microTimeFields, nameValidator, patchable = true, ...rest } = spec;
  const def: ResourceDefinition = {
    ...rest,
    listKind: `${spec.kind}List`,
    singular: spec.singular ?? spec.kind.toLowerCase(),
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    verbs: spec.verbs ?? STANDARD_VERBS,
    subresources: spec.subresources ?? {},
  };
  if (patchable && spec.schema) def.strategicMerge = strategicMergeFromSchema(spec.schema);
  registerMicroTimeFields(def, microTimeFields ?? []);
  nameValidators.set(`${def.group}/${def.plural}`, nameValidator ?? nameIsDNSSubdomain);
  return def;
}

/**
 * The name rule of a built-in resource, as `ValidateObjectMeta` applies it with the kind's name function:
 * namespaces are DNS labels, services DNS-1035 labels, RBAC objects path segments, most others DNS
 * subdomains. Returns the messages for `metadata.name: Invalid value: "<name>": <message>`.
 */
export function validateBuiltinName(
  def: Pick<ResourceDefinition, 'group' | 'plural'>,
  name: string,
  prefix = false,
): string[] {
  const validator = nameValidators.get(`${def.group}/${def.plural}`) ?? nameIsDNSSubdomain;
  return validator(name, prefix);
}

export const builtinStrategy = (
  hasGeneration: boolean,
  hooks: Omit<ResourceStrategy, 'hasGeneration' | 'allowUnconditionalUpdate'> = {},
): ResourceStrategy => ({ hasGeneration, allowUnconditionalUpdate: true, ...hooks });

export function column(
  name: string,
  type: TableColumnDefinition['type'],
  description: string,
  priority = 0,
  format = '',
): TableColumnDefinition {
  return { name, type, format, description, priority };
}

export const nameColumn = (priority = 0): TableColumnDefinition =>
  column('Name', 'string', 'Name of the object.', priority, 'name');

/** AGE: a date column whose cell is the raw creationTimestamp; the registry renders the duration. */
export const ageColumn = (): TableColumnDefinition =>
  column('Age', 'date', 'Time since the object was created.');

export const creationTimestamp = (obj: KubeObject): string | null => obj.metadata?.creationTimestamp ?? null;

export const objectName = (obj: KubeObject): string => obj.metadata?.name ?? '';

/**
 * The printer kube-apiserver uses for kinds without one (`registry/rest/table.go`): NAME and CREATED AT.
 * CREATED AT shows the timestamp itself, so it is typed `string` here: the registry turns `date` cells into
 * ages, which would be wrong for this column.
 */
export function defaultTable(): TablePrinter {
  return {
    columns: [nameColumn(), column('Created At', 'string', 'When the object was created (RFC 3339).')],
    cells: (obj) => [objectName(obj), creationTimestamp(obj)],
  };
}

export type { Schema };
