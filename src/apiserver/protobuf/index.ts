export {
  canDecodeProtobufKind,
  decodeKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MAGIC,
  protobufDecodableKinds,
} from './decode.js';
export type { DecodedProtobufObject } from './decode.js';
export { ProtobufDecodeError } from './errors.js';
export type { ProtobufDecodeErrorReason } from './errors.js';
export {
  acceptsOpenApiV2Protobuf,
  isKubernetesProtobuf,
  KUBERNETES_PROTOBUF_MEDIA_TYPE,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE,
} from './media-types.js';
export { encodeMinimalOpenApiV2 } from './openapi-v2.js';
export type { MinimalOpenApiV2Options } from './openapi-v2.js';
