export {
  LabelSelector,
  type LabelRequirement,
  type LabelSelectorOperator,
  newLabelRequirement,
  parseLabelSelector,
  requirementMatches,
} from './label-selector.js';
export {
  labelSelectorFromObject,
  type LabelSelectorObject,
  type LabelSelectorRequirementObject,
} from './label-selector-object.js';
export {
  checkFieldSelectorFields,
  escapeFieldSelectorValue,
  type FieldSelectorRequirement,
  fieldSelectorMatches,
  fieldSelectorToString,
  parseFieldSelector,
  requiredValue,
} from './field-selector.js';
export { selectableFieldsReader } from './selectable-fields.js';
export {
  type FieldSelectorWording,
  isSelectorParseError,
  isUnsupportedFieldSelectorError,
  SelectorParseError,
  selectorBadRequest,
  UnsupportedFieldSelectorError,
} from './selector-errors.js';
export type {
  JsonPathListNode,
  JsonPathNode,
  JsonPathSliceParam,
  JsonPathTemplate,
} from './jsonpath-nodes.js';
export { parseJsonPath, parseJsonPathExpression } from './jsonpath-parser.js';
export { findJsonPathResults, type JsonPathOptions } from './jsonpath-evaluate.js';
export { executeJsonPath, formatJsonPathResults, formatJsonPathValue } from './jsonpath-print.js';
export {
  isJsonPathExecutionError,
  isJsonPathParseError,
  JsonPathExecutionError,
  JsonPathParseError,
} from './jsonpath-errors.js';
export { humanDuration, shortHumanDuration } from './human-duration.js';
export {
  asPartialObjectMetadata,
  buildTable,
  type BuildTableOptions,
  type IncludeObject,
  NAME_COLUMN,
  OBJECT_META_CREATION_TIMESTAMP_DESCRIPTION,
  OBJECT_META_NAME_DESCRIPTION,
  parseIncludeObject,
  type PartialObjectMetadata,
  type Table,
  type TableListMeta,
  type TableRow,
} from './table.js';
export {
  buildCustomResourceTable,
  type CustomResourceTableOptions,
  type CustomResourceTablePrinter,
  customResourceTablePrinter,
  DEFAULT_CUSTOM_RESOURCE_COLUMNS,
  type PrinterColumn,
} from './custom-resource-table.js';
export { buildDefaultTable, DEFAULT_TABLE_PRINTER } from './default-table.js';
export { formatRfc3339Utc, parseRfc3339 } from './rfc3339.js';
