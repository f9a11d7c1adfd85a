/** The protobuf media type kubectl ≥1.32 and client-go use for built-in kinds' request bodies. */
export const KUBERNETES_PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/**
 * The `Content-Type` to answer `/openapi/v2` protobuf requests with. Clients *ask* for
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, but `@` is not legal in a media type:
 * Go's `mime.ParseMediaType` rejects it and kubectl 1.28 then fails with "mime: unexpected content after
 * media subtype". kube-openapi (`pkg/handler`) therefore answers both spellings with this one.
 */
export const OPENAPI_V2_PROTOBUF_MEDIA_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/** The spelling clients put in `Accept` (kube-openapi's `subTypeProtobufDeprecated`). */
export const OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE =
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';

/** The bare `type/subtype`, lower-cased, without parameters. */
function mediaType(value: string): string {
  return (value.split(';')[0] ?? '').trim().toLowerCase();
}

/**
 * Whether a `Content-Type` header names Kubernetes protobuf (parameters such as `;stream=watch` are
 * ignored; the caller decides whether it accepts them).
 */
export function isKubernetesProtobuf(contentType: string | null | undefined): boolean {
  return typeof contentType === 'string' && mediaType(contentType) === KUBERNETES_PROTOBUF_MEDIA_TYPE;
}

/**
 * Whether an `Accept` header offers the OpenAPI v2 protobuf document in either spelling. (Wildcards are
 * not counted: a client that takes `*\/*` gets JSON from kube-apiserver, and only protobuf-asking
 * clients need this document.)
 */
export function acceptsOpenApiV2Protobuf(accept: string | null | undefined): boolean {
  if (typeof accept !== 'string') return false;
  return accept.split(',').some((part) => {
    const type = mediaType(part);
    return type === OPENAPI_V2_PROTOBUF_MEDIA_TYPE || type === OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE;
  });
}
