// Cluster topology variables: validation of values against ClusterClass definitions and of the definitions
// themselves, as upstream's `internal/topology/variables` (schemas compiled by src/apiserver/admission, ADR 0013).
export {
  type ClusterClassStatusVariable,
  type ClusterVariableValue,
  type StatusVariableLike,
  type ValidateClusterVariablesOptions,
  validateClusterVariable,
  validateClusterVariables,
} from './cluster-variable-validation.js';
export {
  type ClusterClassVariableLike,
  validateClusterClassVariables,
} from './cluster-class-variable-validation.js';
export { compileVariableSchema, toJSONSchemaProps } from './variable-schema.js';
