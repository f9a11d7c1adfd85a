/** Server-side apply and managedFields tracking (structured-merge-diff semantics). */
export {
  applyServerSide,
  type ApplyServerSideInput,
  type ApplyServerSideResult,
} from './server-side-apply.js';
export { updateManagedFields, type UpdateManagedFieldsInput } from './update-managed-fields.js';
export {
  ApplyConflictError,
  isApplyConflict,
  printManager,
  type ApplyConflict,
  type FieldConflict,
} from './apply-conflict-error.js';
export { ManagedFieldsManager, typeResolverFor } from './field-manager.js';
export {
  type SchemaNode,
  type ListSchema,
  type MapSchema,
  type TypeResolver,
  deducedNode,
  deducedTypeResolver,
  objectMetaNode,
  scalarNode,
  untypedAtomicNode,
  structNode,
  mapOfNode,
  listNode,
} from './type-resolver.js';
export { crdTypeResolver } from './crd-type-resolver.js';
export {
  builtinTypeResolver,
  builtinTables,
  type BuiltinKind,
  type BuiltinOverride,
  type BuiltinTable,
} from './builtin-type-resolver.js';
export { FieldSet, FieldsV1Error } from './field-set.js';
export {
  type PathElement,
  type FieldPath,
  type KeyField,
  fieldElement,
  fieldPath,
  keyElement,
  valueElement,
  indexElement,
  parsePathElement,
  pathToString,
} from './field-path.js';
export { toFieldSet, compareTyped, mergeTyped, removeItems, type Comparison } from './typed-value.js';
export {
  decodeManagedFields,
  encodeManagedFields,
  managerIdentifier,
  isResetManagedFields,
  ManagedFieldsDecodeError,
} from './managed-fields-codec.js';
export { defaultResetFields } from './reset-fields.js';
export { LAST_APPLIED_ANNOTATION } from './last-applied.js';
