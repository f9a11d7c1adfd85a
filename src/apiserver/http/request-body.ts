import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { statusErrors } from '../errors/status-error.js';

/** kube-apiserver refuses request bodies over 3 MiB. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw statusErrors.tooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw statusErrors.tooLarge(limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Decodes a JSON or YAML document; a malformed body is a 400 with the parser's reason. */
export function decodeJsonOrYaml(body: Buffer, media: string, what = 'request body'): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw statusErrors.badRequest(`the ${what} is empty`);
  if (media === 'application/yaml' || media === 'application/apply-patch+yaml' || media === 'text/yaml') {
    try {
      return parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 }) as unknown;
    } catch (err) {
      throw statusErrors.badRequest(`error decoding YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw statusErrors.badRequest(`error decoding JSON: ${(err as Error).message}`);
  }
}
