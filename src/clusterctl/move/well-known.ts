// Names `capi move` writes on objects, and the upstream clusterctl names it honours. The `move.capi-ts.io/`
// annotations are ours: they make a move resumable and tell which side of a move owns a cluster.

/** clusterctl's names (upstream facts: providers and users set them). */
export const ClusterctlLabel = {
  /** On CRDs installed by clusterctl; their kinds take part in move discovery. */
  Core: 'clusterctl.cluster.x-k8s.io',
  /** On a CRD (or object): every object of the kind is moved, owned or not. */
  Move: 'clusterctl.cluster.x-k8s.io/move',
  /** On a CRD (or object): every object of the kind is moved with everything it owns. */
  MoveHierarchy: 'clusterctl.cluster.x-k8s.io/move-hierarchy',
} as const;

export const ClusterctlAnnotation = {
  /** A provider holds the move back while an object carries it (whatever the value). */
  BlockMove: 'clusterctl.cluster.x-k8s.io/block-move',
  /** Set on source objects right before the mover deletes them, so a provider can tell a move from a delete. */
  DeleteForMove: 'clusterctl.cluster.x-k8s.io/delete-for-move',
} as const;

/** Ours. */
export const MoveAnnotation = {
  /**
   * On the source Cluster: `pausing` from the first write of a move (the source is paused by the move and
   * still authoritative), `moved` from the commit write on (the target is authoritative).
   */
  State: 'move.capi-ts.io/state',
  /** `"true"` when the user had paused the Cluster before the move: it stays paused where it ends up. */
  WasPaused: 'move.capi-ts.io/was-paused',
  /** On the source Cluster: the identity (kube-system UID) of the management plane it is moving to. */
  Target: 'move.capi-ts.io/target',
  /** On the target Cluster while its copy is in progress: the UID of the source Cluster. */
  Incoming: 'move.capi-ts.io/incoming',
  /** On the target Cluster once the source committed (`"true"`): finish it even if the source is gone. */
  Committed: 'move.capi-ts.io/committed',
  /** On every copied object: the UID it had where it came from, so a re-run reuses it. */
  SourceUid: 'move.capi-ts.io/source-uid',
} as const;

export const MoveState = { Pausing: 'pausing', Moved: 'moved' } as const;
export type MoveState = (typeof MoveState)[keyof typeof MoveState];
