// The surface `capi move` uses (src/cli wires it to commander).
export {
  locateClusters,
  managementPlaneId,
  moveClusters,
  type ClusterLocation,
  type MovedCluster,
  type MoveOptions,
  type MoveResult,
} from './move.js';
export {
  fileNameOf,
  moveFromDirectory,
  moveToDirectory,
  readDirectory,
  type DirectoryResult,
  type MoveFromDirectoryOptions,
  type MoveToDirectoryOptions,
} from './directory.js';
export type { MoveHooks, MovePhase, MoveProgress } from './progress.js';
export type { WaitOptions } from './source-ops.js';
export * from './errors.js';
export { ClusterctlAnnotation, ClusterctlLabel, MoveAnnotation, MoveState } from './well-known.js';
