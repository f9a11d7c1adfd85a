import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { type DashboardFixture, startDashboardFixture } from './helpers.js';

const require = createRequire(import.meta.url);

describe('dashboard access', () => {
  let f: DashboardFixture;
  before(async () => {
    f = await startDashboardFixture();
  });
  after(async () => {
    await f.stop();
  });

  it('serves nothing without the token: pages, static files and the event stream are 401', async () => {
    for (const path of [
      '/',
      '/static/htmx.min.js',
      '/static/dashboard.css',
      '/events',
      '/clusters/a/b',
      '/x',
    ]) {
      const res = await f.request(path, { auth: false });
      assert.equal(res.status, 401, path);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="capi dashboard"');
      const body = await res.text();
      assert.match(body, /Open the dashboard through the URL <code>capi up<\/code> printed/, path);
      assert.doesNotMatch(body, /htmx|<script/, `${path}: nothing of the dashboard leaks`);
    }
  });

  it('refuses a wrong token in the query, the Authorization header or the cookie', async () => {
    const wrong = `${f.token.slice(0, -1)}${f.token.endsWith('A') ? 'B' : 'A'}`;
    assert.equal((await f.request(`/?token=${wrong}`, { auth: false })).status, 401);
    assert.equal(
      (await f.request('/', { auth: false, headers: { Authorization: `Bearer ${wrong}` } })).status,
      401,
    );
    assert.equal((await f.request('/', { auth: false, headers: { Authorization: f.token } })).status, 401);
    const cookie = `capi_dashboard_${f.dashboard.port}=${wrong}`;
    assert.equal((await f.request('/', { auth: false, headers: { Cookie: cookie } })).status, 401);
    // A good cookie does not rescue a wrong Authorization header.
    const good = `capi_dashboard_${f.dashboard.port}=${f.token}`;
    const both = { Cookie: good, Authorization: `Bearer ${wrong}` };
    assert.equal((await f.request('/', { auth: false, headers: both })).status, 401);
  });

  it('trades ?token= for an HttpOnly SameSite=Strict cookie and redirects to the URL without it', async () => {
    assert.equal(f.dashboard.urlWithToken, `${f.base}/?token=${f.token}`);
    const res = await f.request(`/clusters/fleet-a/demo?fragment=1&token=${f.token}`, { auth: false });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/clusters/fleet-a/demo?fragment=1');
    const setCookie = res.headers.get('set-cookie') ?? '';
    const parts = setCookie.split(';').map((p) => p.trim());
    assert.equal(parts[0], `capi_dashboard_${f.dashboard.port}=${f.token}`);
    assert.ok(parts.includes('HttpOnly'), setCookie);
    assert.ok(parts.includes('SameSite=Strict'), setCookie);
    assert.ok(parts.includes('Path=/'), setCookie);
    assert.ok(!parts.includes('Secure'), 'plain HTTP: a Secure cookie would never come back');

    const withCookie = { auth: false, headers: { Cookie: parts[0] } };
    assert.equal((await f.request('/', withCookie)).status, 200);
    assert.equal((await f.request('/?token=' + f.token, { auth: false })).headers.get('location'), '/');
    const htmx = await f.request('/static/htmx.min.js', withCookie);
    assert.equal(htmx.status, 200);
    assert.match(htmx.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.deepEqual(
      Buffer.from(await htmx.arrayBuffer()),
      await readFile(require.resolve('htmx.org/dist/htmx.min.js')),
    );
    const sse = await f.request('/static/sse.min.js', withCookie);
    assert.deepEqual(
      Buffer.from(await sse.arrayBuffer()),
      await readFile(require.resolve('htmx-ext-sse/dist/sse.min.js')),
    );
    const css = await f.request('/static/dashboard.css', withCookie);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    assert.match(await css.text(), /#waiting \{/);
    // Revalidation: an unchanged file is not sent again.
    const etag = htmx.headers.get('etag')!;
    const again = await f.request('/static/htmx.min.js', {
      ...withCookie,
      headers: { ...withCookie.headers, 'If-None-Match': etag },
    });
    assert.equal(again.status, 304);
    assert.equal((await f.request('/static/nope.js', withCookie)).status, 404);
  });

  it('takes the token as a bearer token', async () => {
    const res = await f.request('/');
    assert.equal(res.status, 200);
    assert.match(await res.text(), /<table id="fleet">/);
  });

  it('is read-only: other methods get 405, even with the token', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await f.request('/', { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
    }
    const head = await f.request('/', { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('sends security headers on every answer, 401s included', async () => {
    for (const res of [
      await f.request('/'),
      await f.request('/', { auth: false }),
      await f.request('/nope'),
    ]) {
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
      assert.equal(res.headers.get('x-frame-options'), 'DENY');
    }
    // Pages carry no inline script: everything the CSP allows comes from /static/.
    const page = await (await f.request('/')).text();
    const scripts = [...page.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    assert.equal(scripts.length, 2);
    for (const [, attrs, inline] of scripts) {
      assert.match(attrs!, /src="\/static\//);
      assert.equal(inline!.trim(), '');
    }
    assert.doesNotMatch(page, /<style|style="/);
  });
});
