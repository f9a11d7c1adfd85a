import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import {
  acceptsOpenApiV2Protobuf,
  OPENAPI_V2_PROTOBUF_MEDIA_TYPE,
  OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE,
} from './media-types.js';
import { encodeMinimalOpenApiV2 } from './openapi-v2.js';

/** The part of gnostic's `openapiv2/OpenAPIv2.proto` the minimal document uses (proto3). */
const GNOSTIC_SUBSET = `
syntax = "proto3";
package openapi.v2;
message Info { string title = 1; string version = 2; string description = 3; }
message NamedPathItem { string name = 1; }
message Paths { repeated NamedPathItem path = 2; }
message Document { string swagger = 1; Info info = 2; string host = 3; string base_path = 4; Paths paths = 8; }
`;

describe('encodeMinimalOpenApiV2', () => {
  const Document = protobuf.parse(GNOSTIC_SUBSET, { keepCase: true }).root.lookupType('openapi.v2.Document');

  it('is a gnostic Document with swagger 2.0, info and empty paths', () => {
    const bytes = encodeMinimalOpenApiV2({ title: 'Kubernetes', version: 'v1.33.0' });
    const doc = Document.toObject(Document.decode(bytes), { defaults: false }) as Record<string, unknown>;
    assert.deepEqual(doc, { swagger: '2.0', info: { title: 'Kubernetes', version: 'v1.33.0' }, paths: {} });
    assert.ok(bytes.length < 40, `${bytes.length} bytes`);
  });

  it('has the exact bytes (field 1, field 2 {1, 2}, empty field 8)', () => {
    assert.deepEqual(
      Buffer.from(encodeMinimalOpenApiV2({ title: 'K', version: 'v1' })),
      Buffer.from([0x0a, 3, ...Buffer.from('2.0'), 0x12, 7, 0x0a, 1, 0x4b, 0x12, 2, 0x76, 0x31, 0x42, 0]),
    );
  });

  it('encodes UTF-8 and long titles (multi-byte lengths)', () => {
    const title = 'ä'.repeat(100);
    const doc = Document.decode(encodeMinimalOpenApiV2({ title, version: '' })) as unknown as {
      info: { title: string };
    };
    assert.equal(doc.info.title, title);
  });
});

describe('acceptsOpenApiV2Protobuf', () => {
  it('matches both spellings, with parameters and in lists', () => {
    assert.equal(acceptsOpenApiV2Protobuf(OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE), true);
    assert.equal(acceptsOpenApiV2Protobuf(OPENAPI_V2_PROTOBUF_MEDIA_TYPE), true);
    assert.equal(
      acceptsOpenApiV2Protobuf(`application/json;q=0.9, ${OPENAPI_V2_PROTOBUF_REQUEST_MEDIA_TYPE};q=1`),
      true,
    );
    assert.equal(acceptsOpenApiV2Protobuf('application/json'), false);
    assert.equal(acceptsOpenApiV2Protobuf('*/*'), false);
    assert.equal(acceptsOpenApiV2Protobuf(undefined), false);
  });

  it('answers with a Content-Type Go can parse (no "@")', () => {
    assert.doesNotMatch(OPENAPI_V2_PROTOBUF_MEDIA_TYPE, /@/);
  });
});
