/**
 * Admission for custom resources and generic metadata: what kube-apiserver's apiextensions does with a CRD's
 * structural schema (pruning, defaulting, OpenAPI and CEL validation), CRD validation, and ObjectMeta rules.
 */
export {
  type CompiledSchema,
  type CompileSchemaOptions,
  checkSchema,
  compileSchema,
} from './compiled-schema.js';
export { type CompiledValueSchema, type ValueValidationOptions, checkValueSchema } from './value-schema.js';
export type { FieldError } from '../errors/field-error.js';
export type { JSONSchemaProps } from '../registry/resource-definition.js';
export { defaultCustomResourceDefinition, validateCustomResourceDefinition } from './crd-validation.js';
export { SchemaCompileError, isSchemaCompileError } from './field-errors.js';
export {
  type ObjectMetaUpdateOptions,
  type ObjectMetaValidationOptions,
  TOTAL_ANNOTATION_SIZE_LIMIT,
  validateObjectMeta,
  validateObjectMetaUpdate,
} from './object-meta.js';
export {
  type NameValidator,
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  nameIsDNS1035Label,
  nameIsDNSLabel,
  nameIsDNSSubdomain,
  nameIsPathSegment,
} from './names.js';
export { CEL_LIBRARY_FUNCTIONS } from './cel-library.js';
