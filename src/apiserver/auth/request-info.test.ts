import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStatusError } from '../errors/status-error.js';
import { exactNameFromFieldSelector, parseRequestInfo } from './request-info.js';

function parse(method: string, url: string) {
  const u = new URL(url, 'https://127.0.0.1');
  return parseRequestInfo(method, u.pathname, u.searchParams);
}

// [method, url, expected subset]
const table: [string, string, Record<string, unknown>][] = [
  // core group, namespaced
  [
    'GET',
    '/api/v1/namespaces/ns/configmaps/x',
    {
      isResourceRequest: true,
      verb: 'get',
      apiPrefix: 'api',
      apiGroup: '',
      apiVersion: 'v1',
      namespace: 'ns',
      resource: 'configmaps',
      name: 'x',
      subresource: '',
      parts: ['configmaps', 'x'],
    },
  ],
  [
    'GET',
    '/api/v1/namespaces/ns/configmaps',
    { verb: 'list', namespace: 'ns', resource: 'configmaps', name: '' },
  ],
  ['POST', '/api/v1/namespaces/ns/configmaps', { verb: 'create', resource: 'configmaps', name: '' }],
  ['PUT', '/api/v1/namespaces/ns/configmaps/x', { verb: 'update', name: 'x' }],
  ['PATCH', '/api/v1/namespaces/ns/configmaps/x', { verb: 'patch', name: 'x' }],
  ['DELETE', '/api/v1/namespaces/ns/configmaps/x', { verb: 'delete', name: 'x' }],
  ['DELETE', '/api/v1/namespaces/ns/configmaps', { verb: 'deletecollection', name: '' }],
  ['HEAD', '/api/v1/namespaces/ns/configmaps/x', { verb: 'get' }],
  // the namespace object itself and its subresources
  [
    'GET',
    '/api/v1/namespaces/ns',
    {
      verb: 'get',
      namespace: 'ns',
      resource: 'namespaces',
      name: 'ns',
      subresource: '',
      parts: ['namespaces', 'ns'],
    },
  ],
  ['GET', '/api/v1/namespaces', { verb: 'list', namespace: '', resource: 'namespaces', name: '' }],
  [
    'DELETE',
    '/api/v1/namespaces/ns',
    { verb: 'delete', namespace: 'ns', resource: 'namespaces', name: 'ns' },
  ],
  [
    'PUT',
    '/api/v1/namespaces/ns/status',
    { verb: 'update', namespace: 'ns', resource: 'namespaces', name: 'ns', subresource: 'status' },
  ],
  [
    'PUT',
    '/api/v1/namespaces/ns/finalize',
    { verb: 'update', namespace: 'ns', resource: 'namespaces', name: 'ns', subresource: 'finalize' },
  ],
  // named groups
  [
    'GET',
    '/apis/g.example.com/v1/namespaces/ns/widgets/w1/status',
    {
      apiPrefix: 'apis',
      apiGroup: 'g.example.com',
      apiVersion: 'v1',
      namespace: 'ns',
      resource: 'widgets',
      name: 'w1',
      subresource: 'status',
      verb: 'get',
    },
  ],
  [
    'POST',
    '/api/v1/namespaces/ns/pods/p/eviction',
    { verb: 'create', resource: 'pods', name: 'p', subresource: 'eviction' },
  ],
  [
    'GET',
    '/api/v1/namespaces/ns/pods/p/log',
    { verb: 'get', resource: 'pods', name: 'p', subresource: 'log' },
  ],
  // cluster scope
  [
    'GET',
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.g',
    { namespace: '', resource: 'customresourcedefinitions', name: 'widgets.g', verb: 'get' },
  ],
  ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', { verb: 'list', resource: 'clusterroles' }],
  ['GET', '/apis/g/v1/widgets', { verb: 'list', namespace: '', resource: 'widgets' }],
  // watch by query
  ['GET', '/api/v1/namespaces/ns/pods?watch=true', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=1', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=TRUE', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=', { verb: 'watch' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=false', { verb: 'list' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=0', { verb: 'list' }],
  ['GET', '/api/v1/namespaces/ns/pods?watch=False&watch=true', { verb: 'list' }],
  // a named GET stays get even with watch=true (handled as a single-object watch by the handler)
  ['GET', '/api/v1/namespaces/ns/pods/p?watch=true', { verb: 'get', name: 'p' }],
  // legacy watch prefix
  [
    'GET',
    '/api/v1/watch/namespaces/ns/pods',
    { verb: 'watch', namespace: 'ns', resource: 'pods', name: '', parts: ['pods'] },
  ],
  ['GET', '/api/v1/watch/namespaces/ns/pods/p', { verb: 'watch', resource: 'pods', name: 'p' }],
  ['GET', '/apis/g/v1/watch/widgets', { verb: 'watch', apiGroup: 'g', resource: 'widgets', namespace: '' }],
  [
    'GET',
    '/api/v1/watch/namespaces/ns',
    { verb: 'watch', namespace: 'ns', resource: 'namespaces', name: 'ns' },
  ],
  // proxy never has subresources
  [
    'GET',
    '/api/v1/proxy/namespaces/ns/pods/p/some/path',
    { verb: 'proxy', resource: 'pods', name: 'p', subresource: '' },
  ],
  // list/watch pinned to one name by field selector
  ['GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dp1', { verb: 'list', name: 'p1' }],
  [
    'GET',
    '/api/v1/namespaces/ns/pods?watch=1&fieldSelector=metadata.name%3D%3Dp1,spec.nodeName%3Dn',
    { verb: 'watch', name: 'p1' },
  ],
  ['GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name!%3Dp1', { verb: 'list', name: '' }],
  ['GET', '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3D..', { verb: 'list', name: '' }],
  ['GET', '/api/v1/namespaces/ns/pods?fieldSelector=garbage', { verb: 'list', name: '' }],
  // deletecollection ignores the field selector
  [
    'DELETE',
    '/api/v1/namespaces/ns/pods?fieldSelector=metadata.name%3Dp1',
    { verb: 'deletecollection', name: '' },
  ],
  // percent-encoded names are decoded
  [
    'GET',
    '/apis/rbac.authorization.k8s.io/v1/clusterroles/system%3Adiscovery',
    { name: 'system:discovery', path: '/apis/rbac.authorization.k8s.io/v1/clusterroles/system:discovery' },
  ],
  // non-resource paths
  [
    'GET',
    '/version',
    { isResourceRequest: false, verb: 'get', path: '/version', apiPrefix: '', resource: '' },
  ],
  ['GET', '/healthz', { isResourceRequest: false, verb: 'get', path: '/healthz' }],
  ['GET', '/openapi/v3/apis/g/v1', { isResourceRequest: false, verb: 'get', path: '/openapi/v3/apis/g/v1' }],
  ['GET', '/api', { isResourceRequest: false, path: '/api' }],
  ['GET', '/api/v1', { isResourceRequest: false, path: '/api/v1' }],
  ['GET', '/apis', { isResourceRequest: false }],
  ['GET', '/apis/g', { isResourceRequest: false }],
  ['GET', '/apis/g/v1', { isResourceRequest: false, path: '/apis/g/v1' }],
  ['POST', '/foo/bar/baz', { isResourceRequest: false, verb: 'post' }],
  ['GET', '/', { isResourceRequest: false, path: '/' }],
  // an unknown method on a resource has no verb
  ['OPTIONS', '/api/v1/namespaces/ns/pods', { isResourceRequest: true, verb: '' }],
];

describe('parseRequestInfo', () => {
  for (const [method, url, expected] of table) {
    it(`${method} ${url}`, () => {
      const info = parse(method, url);
      const picked = Object.fromEntries(
        Object.keys(expected).map((k) => [k, (info as unknown as Record<string, unknown>)[k]]),
      );
      assert.deepEqual(picked, expected);
    });
  }

  it('refuses a bare legacy watch prefix, as upstream does', () => {
    assert.throws(
      () => parse('GET', '/api/v1/watch'),
      (err: unknown) =>
        isStatusError(err) &&
        err.code === 500 &&
        /unable to determine kind and namespace from url, \/api\/v1\/watch/.test(err.message),
    );
  });
});

describe('exactNameFromFieldSelector', () => {
  it('reads the first metadata.name term after sorting, honours escapes, rejects bad syntax', () => {
    assert.equal(exactNameFromFieldSelector('metadata.name=b,metadata.name=a'), 'a');
    assert.equal(exactNameFromFieldSelector('status.phase=Running,metadata.name==x'), 'x');
    assert.equal(exactNameFromFieldSelector('metadata.name=a\\,b'), 'a,b');
    assert.equal(exactNameFromFieldSelector('metadata.name=a\\x'), undefined);
    assert.equal(exactNameFromFieldSelector('metadata.name=a=b'), undefined);
    assert.equal(exactNameFromFieldSelector('metadata.name'), undefined);
    assert.equal(exactNameFromFieldSelector(''), undefined);
    assert.equal(exactNameFromFieldSelector(null), undefined);
  });
});
