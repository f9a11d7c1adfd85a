import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DASHBOARD_CSS } from './dashboard-css.js';

export interface StaticAsset {
  contentType: string;
  body: Buffer;
  etag: string;
}

/** Files under `/static/`: htmx and its SSE extension straight from node_modules (no build step), our CSS. */
const SOURCES: Record<string, { contentType: string; load: () => Promise<Buffer> }> = {
  'htmx.min.js': {
    contentType: 'text/javascript; charset=utf-8',
    load: () => readPackageFile('htmx.org/dist/htmx.min.js'),
  },
  'sse.min.js': {
    contentType: 'text/javascript; charset=utf-8',
    load: () => readPackageFile('htmx-ext-sse/dist/sse.min.js'),
  },
  'dashboard.css': {
    contentType: 'text/css; charset=utf-8',
    load: () => Promise.resolve(Buffer.from(DASHBOARD_CSS, 'utf8')),
  },
};

const require = createRequire(import.meta.url);

function readPackageFile(specifier: string): Promise<Buffer> {
  return readFile(require.resolve(specifier));
}

/** Reads each asset once, on first use. */
export class StaticAssets {
  readonly #loaded = new Map<string, Promise<StaticAsset>>();

  has(name: string): boolean {
    return Object.hasOwn(SOURCES, name);
  }

  async get(name: string): Promise<StaticAsset | undefined> {
    const source = Object.hasOwn(SOURCES, name) ? SOURCES[name] : undefined;
    if (!source) return undefined;
    let asset = this.#loaded.get(name);
    if (!asset) {
      asset = source.load().then((body) => ({
        contentType: source.contentType,
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      }));
      // A failed read is retried on the next request rather than remembered.
      void asset.catch(() => this.#loaded.delete(name));
      this.#loaded.set(name, asset);
    }
    return await asset;
  }
}
