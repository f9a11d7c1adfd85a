import { parseGoDuration } from '../../../../core/api/duration.js';
import { InMemoryAnnotation } from '../../api/well-known.js';

/** The simulated steps of a machine, in the order provisioning reaches them. */
export const PROVISIONING_STEPS = ['vm', 'node', 'etcd', 'apiServer'] as const;
export type ProvisioningStep = (typeof PROVISIONING_STEPS)[number];

/** A fault-injection annotation whose value cannot be used; reported instead of being ignored. */
export class InvalidFaultAnnotationError extends Error {
  override readonly name = 'InvalidFaultAnnotationError';
}

/** The HTTP-style status of a simulated provider API error when no annotation chooses one. */
export const DEFAULT_API_ERROR_CODE = 500;

/**
 * A failure the simulated infrastructure API returned (injected). The reconcile fails with it, so the
 * controller retries with backoff and counts it (`capi_provider_api_errors_total{code}`), as it would for a real
 * cloud API error. `code` is the HTTP-style status the API answered: 500 unless chosen (429 for throttling).
 */
export class ProviderApiError extends Error {
  override readonly name: string = 'ProviderApiError';
  constructor(
    message: string,
    readonly operation: string,
    readonly code: number = DEFAULT_API_ERROR_CODE,
  ) {
    super(message);
  }
}

/**
 * A provisioning step the infrastructure could not complete (`fail-at-step`): a ProviderApiError that also
 * means the machine's provisioning failed, not only that one API call did.
 */
export class ProvisioningStepFailedError extends ProviderApiError {
  override readonly name = 'ProvisioningStepFailedError';
  constructor(
    message: string,
    operation: string,
    readonly step: ProvisioningStep,
    code?: number,
  ) {
    super(message, operation, code);
  }
}

type Annotated = { metadata: { annotations?: Record<string, string> } };

const annotation = (obj: Annotated, key: string): string | undefined => obj.metadata.annotations?.[key];

/** The share of calls failing for `obj` (0 when unset). */
export function apiErrorRate(obj: Annotated): number {
  const raw = annotation(obj, InMemoryAnnotation.ApiErrorRate);
  if (raw === undefined) return 0;
  const rate = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    throw new InvalidFaultAnnotationError(
      `annotation ${InMemoryAnnotation.ApiErrorRate}="${raw}": want a number from 0 to 1`,
    );
  return rate;
}

/**
 * The HTTP-style status the simulated errors of `obj` carry: an integer from 400 to 599 (`429` throttling,
 * `503` unavailable, ...), 500 when unset.
 */
export function apiErrorCode(obj: Annotated): number {
  const raw = annotation(obj, InMemoryAnnotation.ApiErrorCode);
  if (raw === undefined) return DEFAULT_API_ERROR_CODE;
  const code = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || code < 400 || code > 599)
    throw new InvalidFaultAnnotationError(
      `annotation ${InMemoryAnnotation.ApiErrorCode}="${raw}": want an HTTP error status from 400 to 599, such as 429 or 503`,
    );
  return code;
}

/**
 * Throws a ProviderApiError with the configured probability and status code; `random` is injectable so tests
 * can be exact (a rate of 1 always fails, 0 never).
 */
export function maybeFailApiCall(
  obj: Annotated,
  operation: string,
  random: () => number = Math.random,
): void {
  const rate = apiErrorRate(obj);
  const code = apiErrorCode(obj);
  if (rate > 0 && random() < rate)
    throw new ProviderApiError(
      `simulated provider API error during ${operation}: status ${code} (annotation ${InMemoryAnnotation.ApiErrorRate}=${rate})`,
      operation,
      code,
    );
}

/** The step configured to fail, if any. */
export function failAtStep(obj: Annotated): ProvisioningStep | undefined {
  const raw = annotation(obj, InMemoryAnnotation.FailAtStep);
  if (raw === undefined) return undefined;
  const step = PROVISIONING_STEPS.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!step)
    throw new InvalidFaultAnnotationError(
      `annotation ${InMemoryAnnotation.FailAtStep}="${raw}": want one of ${PROVISIONING_STEPS.join(', ')}`,
    );
  return step;
}

const isTrue = (raw: string | undefined): boolean => raw !== undefined && raw.trim().toLowerCase() === 'true';

export const nodeNeverReady = (obj: Annotated): boolean =>
  isTrue(annotation(obj, InMemoryAnnotation.NodeNeverReady));

export const unreachable = (obj: Annotated): boolean =>
  isTrue(annotation(obj, InMemoryAnnotation.Unreachable));

/** Milliseconds after which a Ready Node turns NotReady, if configured. */
export function nodeNotReadyAfterMs(obj: Annotated): number | undefined {
  const raw = annotation(obj, InMemoryAnnotation.NodeNotReadyAfter);
  if (raw === undefined) return undefined;
  try {
    const ms = parseGoDuration(raw);
    if (ms < 0) throw new Error('negative');
    return ms;
  } catch {
    throw new InvalidFaultAnnotationError(
      `annotation ${InMemoryAnnotation.NodeNotReadyAfter}="${raw}": want a Go duration such as 30s`,
    );
  }
}

/** How long a simulated Pod's containers take to stop (containers that exit promptly on SIGTERM by default). */
export const DEFAULT_POD_STOP_SECONDS = 1;

/**
 * Seconds a workload Pod takes to stop once deleted. Pods are user objects in the workload cluster, where no
 * error can be reported back, so an unusable value counts as unset.
 */
export function podStopSeconds(pod: Annotated): number {
  const raw = annotation(pod, InMemoryAnnotation.PodStopAfter);
  if (raw === undefined) return DEFAULT_POD_STOP_SECONDS;
  try {
    const ms = parseGoDuration(raw);
    return ms >= 0 ? ms / 1000 : DEFAULT_POD_STOP_SECONDS;
  } catch {
    return DEFAULT_POD_STOP_SECONDS;
  }
}

/** Failure domain names from the DevCluster annotation, or undefined to use the backend's defaults. */
export function failureDomainNames(obj: Annotated): string[] | undefined {
  const raw = annotation(obj, InMemoryAnnotation.FailureDomains);
  if (raw === undefined) return undefined;
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
