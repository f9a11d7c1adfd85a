/**
 * Why a protobuf request body could not be turned into JSON:
 * - `BadMagic`: the body does not start with the `k8s\0` envelope prefix (400).
 * - `Truncated`: a length or value runs past the end of the data (400).
 * - `Malformed`: the bytes are protobuf-shaped but wrong (bad wire type, overlong varint, a value JSON
 *   cannot carry, missing kind) (400).
 * - `UnsupportedKind`: a well-formed envelope for a kind this decoder has no schema for, e.g. a custom
 *   resource (415, as kube-apiserver answers protobuf for CRs).
 * - `UnsupportedEncoding`: the envelope declares a content encoding or inner content type other than plain
 *   protobuf (415).
 */
export type ProtobufDecodeErrorReason =
  'BadMagic' | 'Truncated' | 'Malformed' | 'UnsupportedKind' | 'UnsupportedEncoding';

const STATUS: Record<ProtobufDecodeErrorReason, 400 | 415> = {
  BadMagic: 400,
  Truncated: 400,
  Malformed: 400,
  UnsupportedKind: 415,
  UnsupportedEncoding: 415,
};

/** The only error `decodeKubernetesProtobuf` throws; `httpStatus` is what the caller should answer. */
export class ProtobufDecodeError extends Error {
  override readonly name = 'ProtobufDecodeError';
  readonly reason: ProtobufDecodeErrorReason;
  /** 400 Bad Request or 415 Unsupported Media Type. */
  readonly httpStatus: 400 | 415;
  /** Where in the object the problem sits, e.g. `Pod.spec.containers[0].image`, when known. */
  readonly path: string | undefined;

  constructor(reason: ProtobufDecodeErrorReason, message: string, path?: string) {
    super(path ? `${message} (at ${path})` : message);
    this.reason = reason;
    this.httpStatus = STATUS[reason];
    this.path = path;
  }

  /** The same error, located at `path` (the innermost location wins). */
  at(path: string): ProtobufDecodeError {
    if (this.path !== undefined) return this;
    const located = new ProtobufDecodeError(this.reason, this.message, path);
    located.stack = this.stack;
    return located;
  }
}
