import { html, type Html } from '../html.js';

/** One step of the breadcrumbs after "Fleet"; the last one is the page itself. */
export interface Crumb {
  label: string;
  href?: string;
}

export interface PageParts {
  title: string;
  crumbs: readonly Crumb[];
  heading: Html;
  /** Above the live content, so a refresh does not replace it (the filter input keeps its focus). */
  before?: Html;
  /** What `fragmentUrl` answers; refreshed whenever the server sends `change` on `events`. */
  content: Html;
  /** The server-sent event stream this page listens to; none for pages that do not update (404). */
  events?: string;
  fragmentUrl?: string;
  /** `hx-include` of the refresh: inputs whose values the fragment request carries (the filter). */
  include?: string;
}

/** htmx's defaults, less the `<style>` it would inject (the CSP allows only our stylesheet). */
const HTMX_CONFIG = JSON.stringify({ includeIndicatorStyles: false, allowEval: false });

/**
 * A whole page: head with the stylesheet, htmx and its SSE extension (all from `/static/`), the breadcrumbs
 * `Fleet › cluster › machine`, and `#content`, which htmx re-fetches from `fragmentUrl` on every `change`
 * event of the page's stream.
 */
export function renderPage(parts: PageParts): string {
  const crumbs: Crumb[] = [{ label: 'Fleet', href: '/' }, ...parts.crumbs];
  const live = parts.events !== undefined && parts.fragmentUrl !== undefined;
  const content = live
    ? html`<div
        id="content"
        hx-get="${parts.fragmentUrl}"
        hx-trigger="sse:change"
        hx-swap="innerHTML"
        ${parts.include ? html`hx-include="${parts.include}"` : ''}
      >
        ${parts.content}
      </div>`
    : html`<div id="content">${parts.content}</div>`;
  const page = html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content="${HTMX_CONFIG}" />
        <title>${parts.title} · capi dashboard</title>
        <link rel="icon" href="data:," />
        <link rel="stylesheet" href="/static/dashboard.css" />
        <script src="/static/htmx.min.js"></script>
        <script src="/static/sse.min.js"></script>
      </head>
      <body>
        <header>
          <a class="brand" href="/">capi</a>
          <nav id="breadcrumbs" aria-label="Breadcrumb">
            <ol>
              ${crumbs.map((c, i) =>
                i === crumbs.length - 1
                  ? html`<li><span aria-current="page">${c.label}</span></li>`
                  : html`<li><a href="${c.href}">${c.label}</a></li>`,
              )}
            </ol>
          </nav>
        </header>
        <main ${live ? html`hx-ext="sse" sse-connect="${parts.events}"` : ''}>
          <h1>${parts.heading}</h1>
          ${parts.before} ${content}
        </main>
      </body>
    </html>`;
  return page.toString();
}
