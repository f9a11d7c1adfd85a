import type { ServerResponse } from 'node:http';
import type { StatusError } from '../errors/status-error.js';
import { isStatusError, statusErrors } from '../errors/status-error.js';

export function writeJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export function writeStatusError(res: ServerResponse, err: StatusError): void {
  const headers: Record<string, string> = {};
  const retry = err.status.details?.retryAfterSeconds;
  if (retry !== undefined && (err.code === 429 || err.code === 503 || err.code === 504))
    headers['Retry-After'] = String(retry);
  writeJson(res, err.code, err.status, 'application/json', headers);
}

/** Turns anything thrown by a handler into a Status answer; unexpected errors are 500s, never crashes. */
export function toStatusError(err: unknown): StatusError {
  if (isStatusError(err)) return err;
  return statusErrors.internal(err instanceof Error ? err.message : String(err));
}

export function writeText(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
