import { concatBytes, lengthDelimited } from './wire.js';

export interface MinimalOpenApiV2Options {
  /** `info.title`, e.g. "Kubernetes". */
  title: string;
  /** `info.version`, e.g. "v1.33.0". */
  version: string;
}

/**
 * The smallest gnostic `openapi_v2.Document` kubectl accepts from `/openapi/v2`
 * (google/gnostic-models `openapiv2/OpenAPIv2.proto`): `swagger = 1` ("2.0"), `info = 2`
 * (`title = 1`, `version = 2`) and an empty `paths = 8`. kubectl 1.27/1.28 validate `apply` against it
 * (no schema for a kind → accept); newer versions use it as their fallback. Serve it with
 * `Content-Type: OPENAPI_V2_PROTOBUF_MEDIA_TYPE` (the `.v1.0` spelling, not the `@v1.0` one clients ask
 * for: see `media-types.ts`); the body has no `k8s\0` prefix.
 */
export function encodeMinimalOpenApiV2({ title, version }: MinimalOpenApiV2Options): Uint8Array {
  const info = concatBytes([lengthDelimited(1, title), lengthDelimited(2, version)]);
  return concatBytes([
    lengthDelimited(1, '2.0'),
    lengthDelimited(2, info),
    lengthDelimited(8, new Uint8Array(0)),
  ]);
}
