// Typed failures of the desired-state computation. Each names the object it was computing, so the topology
// controller can surface it on the Cluster without parsing messages.

/** Which part of the topology an error is about. */
export interface DesiredStateErrorSubject {
  /** `InfrastructureCluster`, `ControlPlane`, `ControlPlaneInfrastructureMachineTemplate`, `MachineDeployment`, ... */
  object: string;
  /** The MachineDeployment topology name, for worker objects. */
  topologyName?: string;
}

const describe = (subject: DesiredStateErrorSubject): string =>
  subject.topologyName
    ? `${subject.object} for topology ${JSON.stringify(subject.topologyName)}`
    : subject.object;

/** A naming template that does not parse or does not render (`missingkey=error`). */
export class NameTemplateError extends Error {
  override readonly name = 'NameTemplateError';
  constructor(
    readonly subject: DesiredStateErrorSubject,
    readonly template: string,
    options: { cause: unknown },
  ) {
    const cause = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `failed to generate name for ${describe(subject)} from template ${JSON.stringify(template)}: ${cause}`,
      options,
    );
  }
}

/** A template the ClusterClass references was not given (not found, or not loaded). */
export class MissingTemplateError extends Error {
  override readonly name = 'MissingTemplateError';
  constructor(
    readonly subject: DesiredStateErrorSubject,
    readonly ref: { apiVersion: string; kind: string; name: string },
  ) {
    super(
      `failed to compute ${describe(subject)}: template ${ref.kind} ${JSON.stringify(ref.name)} (${ref.apiVersion}) not found`,
    );
  }
}

/** The Cluster or ClusterClass does not describe what the computation needs (no topology, unknown class, ...). */
export class InvalidTopologyError extends Error {
  override readonly name = 'InvalidTopologyError';
  constructor(
    readonly subject: DesiredStateErrorSubject,
    message: string,
  ) {
    super(`failed to compute ${describe(subject)}: ${message}`);
  }
}

export const isNameTemplateError = (err: unknown): err is NameTemplateError =>
  err instanceof NameTemplateError;
export const isMissingTemplateError = (err: unknown): err is MissingTemplateError =>
  err instanceof MissingTemplateError;
export const isInvalidTopologyError = (err: unknown): err is InvalidTopologyError =>
  err instanceof InvalidTopologyError;
