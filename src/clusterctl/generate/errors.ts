/**
 * Errors of `capi generate cluster` and `capi generate yaml`. Each carries the facts as fields so callers (the CLI,
 * tests) decide on the class and fields, never on the message text.
 */

/**
 * Required template variables with no value. All of them are reported at once, sorted as clusterctl sorts them, so a
 * user fixes their environment in one go rather than one variable per attempt.
 */
export class MissingVariablesError extends Error {
  override readonly name = 'MissingVariablesError';
  readonly missing: readonly string[];
  constructor(missing: readonly string[]) {
    const sorted = [...missing].sort();
    super(
      `value for variables [${sorted.join(', ')}] is not set. Please set them with environment variables or flags`,
    );
    this.missing = sorted;
  }
}

/** A `${...}` expression the envsubst grammar does not accept. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError';
  constructor(
    /** Where the template came from: a file name, `<stdin>`, or `flavor in-memory-kcp`. */
    readonly source: string,
    /** 1-based line and column of the `${` that opens the bad expression. */
    readonly line: number,
    readonly column: number,
    /** What is wrong, in drone/envsubst's words where it has some ("missing closing brace"). */
    readonly reason: string,
  ) {
    super(`${source}:${line}:${column}: ${reason}`);
  }
}

/** The substituted template is not valid YAML; the message points at the first offending line of the output. */
export class InvalidTemplateYamlError extends Error {
  override readonly name = 'InvalidTemplateYamlError';
  constructor(
    readonly source: string,
    readonly reason: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${source}: the generated YAML does not parse: ${reason}`, options);
  }
}

/** `--flavor` names no built-in template. */
export class UnknownFlavorError extends Error {
  override readonly name = 'UnknownFlavorError';
  constructor(
    readonly flavor: string,
    readonly available: readonly string[],
  ) {
    super(`unknown flavor "${flavor}"; available flavors: ${available.join(', ')}`);
  }
}

/**
 * A value that clusterctl would inject into the template (cluster name, namespace, Kubernetes version, machine
 * counts) is unusable. `variable` is the template variable it would have set.
 */
export class InvalidTemplateOptionError extends Error {
  override readonly name = 'InvalidTemplateOptionError';
  constructor(
    readonly variable:
      | 'CLUSTER_NAME'
      | 'NAMESPACE'
      | 'KUBERNETES_VERSION'
      | 'CONTROL_PLANE_MACHINE_COUNT'
      | 'WORKER_MACHINE_COUNT',
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}
