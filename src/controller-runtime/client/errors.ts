/** The `Status` body a kube-apiserver answers failures with. */
export interface ApiStatus {
  kind?: 'Status';
  apiVersion?: string;
  status?: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    uid?: string;
    causes?: StatusCause[];
    retryAfterSeconds?: number;
  };
}

export interface StatusCause {
  reason?: string;
  message?: string;
  field?: string;
}

/**
 * A request the API server refused. `code` is the HTTP status, `reason` the machine-readable reason of the
 * `Status` body; subclasses exist for the reasons controllers branch on, so callers use `instanceof` or the
 * `is*` predicates and never match on message text.
 */
export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: ApiStatus;
  constructor(status: ApiStatus, fallbackCode = 500) {
    super(
      status.message || `the server answered ${status.code ?? fallbackCode} ${status.reason ?? ''}`.trim(),
    );
    this.name = 'ApiError';
    this.status = status;
    this.code = status.code ?? fallbackCode;
    this.reason = status.reason ?? '';
  }
  get causes(): StatusCause[] {
    return this.status.details?.causes ?? [];
  }
}

export class NotFoundError extends ApiError {
  override readonly name = 'NotFoundError';
}
export class AlreadyExistsError extends ApiError {
  override readonly name = 'AlreadyExistsError';
}
/** The object changed since it was read (resourceVersion or a precondition did not match). */
export class ConflictError extends ApiError {
  override readonly name = 'ConflictError';
}
/** Validation failed; `causes` carry the field paths. */
export class InvalidError extends ApiError {
  override readonly name = 'InvalidError';
}
/** The resourceVersion asked for has been compacted away: relist. */
export class GoneError extends ApiError {
  override readonly name = 'GoneError';
}
export class TooManyRequestsError extends ApiError {
  override readonly name = 'TooManyRequestsError';
  /** Seconds the server asked us to wait (Retry-After header or `details.retryAfterSeconds`), if it said. */
  get retryAfterSeconds(): number | undefined {
    return this.status.details?.retryAfterSeconds;
  }
}
export class UnauthorizedError extends ApiError {
  override readonly name = 'UnauthorizedError';
}
export class ForbiddenError extends ApiError {
  override readonly name = 'ForbiddenError';
}
export class BadRequestError extends ApiError {
  override readonly name = 'BadRequestError';
}
export class MethodNotSupportedError extends ApiError {
  override readonly name = 'MethodNotSupportedError';
}
/** The server or a proxy gave up in time (504, or 500 with reason Timeout/ServerTimeout). */
export class ServerTimeoutError extends ApiError {
  override readonly name = 'ServerTimeoutError';
}

/** The client could not talk to the server at all (refused connection, TLS failure, reset, timeout). */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    message: string,
    readonly url: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** No resource serves this kind on the server (discovery does not know it). */
export class NoKindMatchError extends Error {
  override readonly name = 'NoKindMatchError';
  constructor(
    readonly apiVersion: string,
    readonly kind: string,
  ) {
    super(`no matches for kind "${kind}" in version "${apiVersion}"`);
  }
}

/** Builds the typed error for a failed response. */
export function apiErrorFromStatus(httpCode: number, body: unknown, retryAfterHeader?: string): ApiError {
  const status: ApiStatus =
    body && typeof body === 'object' && (body as ApiStatus).kind === 'Status'
      ? { ...(body as ApiStatus) }
      : { code: httpCode, message: typeof body === 'string' && body ? body.trim() : undefined };
  status.code ??= httpCode;
  if (retryAfterHeader && /^\d+$/.test(retryAfterHeader) && status.details?.retryAfterSeconds === undefined) {
    status.details = { ...status.details, retryAfterSeconds: Number(retryAfterHeader) };
  }
  const reason = status.reason ?? '';
  if (reason === 'NotFound' || (httpCode === 404 && !reason)) return new NotFoundError(status, httpCode);
  if (reason === 'AlreadyExists') return new AlreadyExistsError(status, httpCode);
  if (reason === 'Conflict' || (httpCode === 409 && !reason)) return new ConflictError(status, httpCode);
  if (reason === 'Invalid' || (httpCode === 422 && !reason)) return new InvalidError(status, httpCode);
  if (reason === 'Expired' || reason === 'Gone' || httpCode === 410) return new GoneError(status, httpCode);
  if (reason === 'TooManyRequests' || httpCode === 429) return new TooManyRequestsError(status, httpCode);
  if (reason === 'Unauthorized' || httpCode === 401) return new UnauthorizedError(status, httpCode);
  if (reason === 'Forbidden' || httpCode === 403) return new ForbiddenError(status, httpCode);
  if (reason === 'MethodNotAllowed' || httpCode === 405) return new MethodNotSupportedError(status, httpCode);
  if (reason === 'Timeout' || reason === 'ServerTimeout' || httpCode === 504)
    return new ServerTimeoutError(status, httpCode);
  if (reason === 'BadRequest' || httpCode === 400) return new BadRequestError(status, httpCode);
  return new ApiError(status, httpCode);
}

export const isNotFound = (err: unknown): err is NotFoundError => err instanceof NotFoundError;
export const isAlreadyExists = (err: unknown): err is AlreadyExistsError => err instanceof AlreadyExistsError;
export const isConflict = (err: unknown): err is ConflictError => err instanceof ConflictError;
export const isInvalid = (err: unknown): err is InvalidError => err instanceof InvalidError;
export const isGone = (err: unknown): err is GoneError => err instanceof GoneError;
export const isTooManyRequests = (err: unknown): err is TooManyRequestsError =>
  err instanceof TooManyRequestsError;
export const isForbidden = (err: unknown): err is ForbiddenError => err instanceof ForbiddenError;
export const isTransportError = (err: unknown): err is TransportError => err instanceof TransportError;
/**
 * The server has not reached the resourceVersion asked for: the client's version came from another server
 * (restored, replaced, or a different one behind the same address). Like client-go's reflector, relist.
 */
export const isResourceVersionTooLarge = (err: unknown): boolean =>
  err instanceof ApiError && err.causes.some((c) => c.reason === 'ResourceVersionTooLarge');
export const isNoKindMatch = (err: unknown): err is NoKindMatchError => err instanceof NoKindMatchError;
/** Not found, or the kind itself is not served (CRD not installed yet): both mean "nothing there". */
export const isNotFoundOrNoKind = (err: unknown): boolean => isNotFound(err) || isNoKindMatch(err);
