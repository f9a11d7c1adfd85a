// The errors `capi move` reports; the CLI prints their message as one line.

export interface NotReadyCluster {
  namespace: string;
  name: string;
  reason: string;
}

/** Some Clusters (or their Machines) are still provisioning: moving them now could lose work in flight. */
export class ClusterNotProvisionedError extends Error {
  override readonly name = 'ClusterNotProvisionedError';
  constructor(readonly problems: readonly NotReadyCluster[]) {
    super(
      `cannot move while provisioning is in progress: ${problems
        .map((p) => `${p.namespace}/${p.name}: ${p.reason}`)
        .join('; ')}`,
    );
  }
}

/** The target holds an object of the same name that this move did not create; nothing was deleted. */
export class MoveConflictError extends Error {
  override readonly name = 'MoveConflictError';
  constructor(
    readonly kind: string,
    readonly namespace: string,
    readonly objectName: string,
  ) {
    super(
      `${kind} ${namespace}/${objectName} already exists on the target and was not created by this move; ` +
        'remove or rename it there and re-run (nothing was deleted from the source)',
    );
  }
}

/** Objects still carry `clusterctl.cluster.x-k8s.io/block-move` after the wait. */
export class BlockMoveTimeoutError extends Error {
  override readonly name = 'BlockMoveTimeoutError';
  constructor(readonly blocking: readonly string[]) {
    super(
      `timed out waiting for the block-move annotation to go away from ${blocking.join(', ')}; ` +
        'the clusters stay paused on the source: re-run the move once the provider removed it',
    );
  }
}

/** A Cluster is part of an unfinished move to another management plane. */
export class MoveTargetMismatchError extends Error {
  override readonly name = 'MoveTargetMismatchError';
  constructor(
    readonly namespace: string,
    readonly clusterName: string,
    readonly recordedTarget: string,
  ) {
    super(
      `cluster ${namespace}/${clusterName} is part of an unfinished move to another management plane ` +
        `(kube-system uid ${recordedTarget}); re-run the move against that one`,
    );
  }
}

/** The move cannot go on from the state it found (a copy whose source vanished before the commit, ...). */
export class MoveStateError extends Error {
  override readonly name = 'MoveStateError';
}

/** A file of a `--from-directory` backup cannot be used. */
export class MoveDirectoryError extends Error {
  override readonly name = 'MoveDirectoryError';
  constructor(
    readonly file: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${reason}`, options);
  }
}
