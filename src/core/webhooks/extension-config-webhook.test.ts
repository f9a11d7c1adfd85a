import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KubeObject } from '../../controller-runtime/api/object.js';
import { API_VERSION } from '../api/runtime/v1beta2/index.js';
import { isDNS1035Label, isDNS1123Label, parseRequestURI } from './extension-config-webhook.js';
import { causes, CREATE, denial, updateOf, webhookFor } from './test-helpers.js';

const ext = (spec: Record<string, unknown>, name = 'test-extension'): KubeObject => ({
  apiVersion: API_VERSION,
  kind: 'ExtensionConfig',
  metadata: { name },
  spec,
});

const withURL = (url = 'https://extension-address.com', extra: Record<string, unknown> = {}) =>
  ext({ clientConfig: { url }, namespaceSelector: {}, ...extra });

const service = { name: 'foo', namespace: 'bar', path: '/path/to/handler', port: 1 };
const withService = (overrides: Record<string, unknown> = {}) =>
  ext({ clientConfig: { service: { ...service, ...overrides } }, namespaceSelector: {} });

const DNS1035_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
  "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for " +
  "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and " +
  "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

describe('ExtensionConfig webhook with the RuntimeSDK feature gate off (the default)', () => {
  const hook = webhookFor('ExtensionConfig');
  const refusal = async (fn: () => unknown): Promise<void> => {
    const err = await denial(fn);
    assert.equal(err.code, 403);
    assert.equal(err.reason, 'Forbidden');
    assert.equal(err.message, 'spec: Forbidden: can be set only if the RuntimeSDK feature flag is enabled');
  };

  it('refuses every create and update, valid or not', async () => {
    const obj = withURL();
    await refusal(() => hook.validator.validateCreate?.(obj, CREATE));
    await refusal(() => hook.validator.validateCreate?.(withURL('http://not-https'), CREATE));
    const updated = withURL('https://a-new-extension-address.com');
    await refusal(() => hook.validator.validateUpdate?.(obj, updated, updateOf(obj)));
  });

  it('lets deletes through (there is no delete validation) and still defaults, as upstream does', async () => {
    assert.ok(!('validateDelete' in hook.validator));
    const obj = ext({ clientConfig: { service: { name: 'name', namespace: 'namespace' } } });
    await hook.defaulter.default(obj, CREATE);
    assert.deepEqual(obj.spec, {
      clientConfig: { service: { name: 'name', namespace: 'namespace', port: 443 } },
      namespaceSelector: {},
    });
  });
});

describe('ExtensionConfig webhook with the RuntimeSDK feature gate on', () => {
  const hook = webhookFor('ExtensionConfig', { featureGates: { RuntimeSDK: true } });
  const create = (obj: KubeObject) => () => hook.validator.validateCreate?.(obj, CREATE);
  /** The causes of a 422, each as `field: detail`. */
  const invalid = async (obj: KubeObject): Promise<string[]> => {
    const err = await denial(create(obj));
    assert.equal(err.code, 422);
    return causes(create(obj));
  };

  describe('defaulting', () => {
    it('sets an empty namespace selector and Service port 443', async () => {
      const obj = ext({ clientConfig: { service: { name: 'name', namespace: 'namespace' } } });
      await hook.defaulter.default(obj, CREATE);
      assert.deepEqual(obj.spec, {
        clientConfig: { service: { name: 'name', namespace: 'namespace', port: 443 } },
        namespaceSelector: {},
      });
    });

    it('keeps what is set, gives a URL no port, and an empty Service none', async () => {
      const selector = { matchLabels: { a: 'b' } };
      const set = ext({ clientConfig: { service: { ...service, port: 8443 } }, namespaceSelector: selector });
      await hook.defaulter.default(set, CREATE);
      assert.deepEqual(set.spec, {
        clientConfig: { service: { ...service, port: 8443 } },
        namespaceSelector: selector,
      });

      const url = ext({ clientConfig: { url: 'https://x.example' }, namespaceSelector: null });
      await hook.defaulter.default(url, CREATE);
      assert.deepEqual(url.spec, { clientConfig: { url: 'https://x.example' }, namespaceSelector: {} });

      const empty = ext({ clientConfig: { url: 'https://x.example', service: {} } });
      await hook.defaulter.default(empty, CREATE);
      assert.deepEqual(empty.spec, {
        clientConfig: { url: 'https://x.example', service: {} },
        namespaceSelector: {},
      });

      // Port 0 is set (upstream's port is a pointer): the validation refuses it rather than defaulting.
      const zero = withService({ port: 0 });
      await hook.defaulter.default(zero, CREATE);
      assert.equal(
        (zero.spec as { clientConfig: { service: { port: number } } }).clientConfig.service.port,
        0,
      );

      const noSpec: KubeObject = {
        apiVersion: API_VERSION,
        kind: 'ExtensionConfig',
        metadata: { name: 'x' },
      };
      await hook.defaulter.default(noSpec, CREATE);
      assert.deepEqual(noSpec.spec, { namespaceSelector: {} });
    });
  });

  describe('validation', () => {
    it('accepts an https URL or a Service, a valid selector, and updates as creates', async () => {
      await create(withURL())();
      await create(withURL('HTTPS://Extension-Address.com:9443/hooks?x=1'))();
      await create(withService())();
      await create(
        ext({ clientConfig: { service: { name: 'foo', namespace: 'bar' } }, namespaceSelector: {} }),
      )();
      const selector = { matchExpressions: [{ key: 'foo', operator: 'Exists' }], matchLabels: { a: 'b' } };
      await create(ext({ clientConfig: { service }, namespaceSelector: selector }))();
      const old = withService();
      await hook.validator.validateUpdate?.(old, withService({ port: 8443 }), updateOf(old));
      await hook.validator.validateUpdate?.(old, withURL(), updateOf(old));
    });

    it('refuses a name that is not a DNS label, with the 422 upstream words', async () => {
      const named = (name: string) =>
        ext({ clientConfig: { url: 'https://a.example' }, namespaceSelector: {} }, name);
      const err = await denial(create(named('bad.name')));
      assert.equal(err.code, 422);
      assert.equal(err.reason, 'Invalid');
      assert.equal(
        err.message,
        'ExtensionConfig.runtime.cluster.x-k8s.io "bad.name" is invalid: metadata.name: Invalid value: ' +
          '"bad.name": ExtensionConfig name should be a valid DNS1123 label name: [must not contain dots]',
      );
      const long = 'a'.repeat(64);
      assert.deepEqual(await invalid(named(long)), [
        `metadata.name: Invalid value: "${long}": ExtensionConfig name should be a valid DNS1123 label name: ` +
          '[must be no more than 63 characters]',
      ]);
    });

    it('wants exactly one of url and service', async () => {
      assert.deepEqual(await invalid(ext({ clientConfig: { caBundle: 'Zm9v' }, namespaceSelector: {} })), [
        'spec.clientConfig: Required value: either url or service must be defined',
      ]);
      assert.deepEqual(
        await invalid(ext({ clientConfig: { url: 'https://a.example', service }, namespaceSelector: {} })),
        ['spec.clientConfig: Forbidden: only one of url or service can be defined'],
      );
    });

    it('wants a URL Go parses, with the https scheme', async () => {
      assert.deepEqual(await invalid(withURL('https//extension-address.com')), [
        'spec.clientConfig.url: Invalid value: "https//extension-address.com": must be a valid URL, e.g. ' +
          'https://example.com: parse "https//extension-address.com": invalid URI for request',
      ]);
      assert.deepEqual(await invalid(withURL('https://example.com:abc/')), [
        'spec.clientConfig.url: Invalid value: "https://example.com:abc/": must be a valid URL, e.g. ' +
          'https://example.com: parse "https://example.com:abc/": invalid port ":abc" after host',
      ]);
      for (const url of ['unknown://extension-address.com', 'http://extension-address.com', '/just/a/path']) {
        assert.deepEqual(await invalid(withURL(url)), [
          `spec.clientConfig.url: Invalid value: "${url}": 'https' is the only allowed URL scheme, e.g. ` +
            'https://example.com',
        ]);
      }
    });

    it('wants a Service name that is a DNS-1035 label and a namespace that is a DNS label', async () => {
      assert.deepEqual(await invalid(withService({ name: '' })), [
        'spec.clientConfig.service.name: Required value: must not be empty',
        `spec.clientConfig.service.name: Invalid value: "": ${DNS1035_MSG}`,
      ]);
      assert.deepEqual(await invalid(withService({ name: 'NOT_ALLOWED' })), [
        `spec.clientConfig.service.name: Invalid value: "NOT_ALLOWED": ${DNS1035_MSG}`,
      ]);
      assert.deepEqual(await invalid(withService({ name: '1abc' })), [
        `spec.clientConfig.service.name: Invalid value: "1abc": ${DNS1035_MSG}`,
      ]);
      assert.deepEqual(await invalid(withService({ namespace: undefined })), [
        'spec.clientConfig.service.namespace: Required value: must not be empty',
        `spec.clientConfig.service.namespace: Invalid value: "": ${DNS1123_MSG}`,
      ]);
      assert.deepEqual(await invalid(withService({ namespace: 'INVALID' })), [
        `spec.clientConfig.service.namespace: Invalid value: "INVALID": ${DNS1123_MSG}`,
      ]);
    });

    it('wants a Service path that is an absolute URL path', async () => {
      assert.deepEqual(await invalid(withService({ path: 'https://example.com' })), [
        'spec.clientConfig.service.path: Invalid value: "https://example.com": must start with "/" to be a valid URL path',
      ]);
      assert.deepEqual(await invalid(withService({ path: 'hook' })), [
        'spec.clientConfig.service.path: Invalid value: "hook": must be a valid URL path e.g. /path/to/hook: ' +
          'parse "hook": invalid URI for request',
        'spec.clientConfig.service.path: Invalid value: "hook": must start with "/" to be a valid URL path',
      ]);
      assert.deepEqual(await invalid(withService({ path: '/hooks/%zz' })), [
        'spec.clientConfig.service.path: Invalid value: "/hooks/%zz": must be a valid URL path e.g. ' +
          '/path/to/hook: parse "/hooks/%zz": invalid URL escape "%zz"',
      ]);
    });

    it('wants a Service port from 1 to 65535', async () => {
      for (const port of [90000, 0, -1]) {
        assert.deepEqual(await invalid(withService({ port })), [
          `spec.clientConfig.service.port: Invalid value: ${port}: must be between 1 and 65535, inclusive`,
        ]);
      }
      await create(withService({ port: 65535 }))();
    });

    it('wants a valid namespace selector, and one at all', async () => {
      const selector = {
        matchExpressions: [{ key: 'foo', operator: 'bad-operator', values: ['foo', 'bar'] }],
      };
      assert.deepEqual(await invalid(ext({ clientConfig: { service }, namespaceSelector: selector })), [
        'spec.namespaceSelector: Invalid value: {"matchExpressions":[{"key":"foo","operator":"bad-operator",' +
          '"values":["foo","bar"]}]}: "bad-operator" is not a valid label selector operator',
      ]);
      // Only reachable without the defaulter (it sets the empty selector).
      assert.deepEqual(await invalid(ext({ clientConfig: { service } })), [
        'spec.namespaceSelector: Required value: must be defined',
      ]);
    });

    it('reports every problem at once, in upstream order', async () => {
      const obj = ext(
        {
          clientConfig: { url: 'http://a.example', service: { ...service, port: 0 } },
          namespaceSelector: null,
        },
        'bad.name',
      );
      const err = await denial(create(obj));
      assert.deepEqual(
        err.causes.map((c) => `${c.type} ${c.field}`),
        [
          'FieldValueInvalid metadata.name',
          'FieldValueForbidden spec.clientConfig',
          'FieldValueInvalid spec.clientConfig.url',
          'FieldValueInvalid spec.clientConfig.service.port',
          'FieldValueRequired spec.namespaceSelector',
        ],
      );
      assert.match(
        err.message,
        /^ExtensionConfig\.runtime\.cluster\.x-k8s\.io "bad\.name" is invalid: \[metadata\.name: /,
      );
    });
  });
});

describe('parseRequestURI reads URLs as Go 1.26 url.ParseRequestURI does', () => {
  const scheme = (raw: string): string => {
    const parsed = parseRequestURI(raw);
    assert.ok('scheme' in parsed, `${raw}: ${'error' in parsed ? parsed.error : ''}`);
    return parsed.scheme;
  };
  const error = (raw: string): string => {
    const parsed = parseRequestURI(raw);
    assert.ok('error' in parsed, `${raw} parsed`);
    return parsed.error;
  };

  it('accepts absolute URIs and absolute paths, lower-casing the scheme', () => {
    assert.equal(scheme('https://example.com'), 'https');
    assert.equal(scheme('HTTPS://Example.com/x?y=1'), 'https');
    assert.equal(scheme('https:opaque'), 'https');
    assert.equal(scheme('https://user:pass@example.com:8443/p'), 'https');
    assert.equal(scheme('https://example.com/#not-a-fragment'), 'https');
    assert.equal(scheme('https://[::1]:8443/'), 'https');
    assert.equal(scheme('https://[fe80::1%25en0]/'), 'https');
    assert.equal(scheme('https://ü.example/'), 'https');
    assert.equal(scheme('foo://a:b:80/'), 'foo', 'colons stay lax outside http(s)');
    assert.equal(scheme('/path'), '');
    assert.equal(scheme('*'), '');
  });

  it("refuses what Go refuses, with Go's error text", () => {
    for (const [raw, want] of [
      ['', 'empty url'],
      ['://x', 'missing protocol scheme'],
      ['example.com', 'invalid URI for request'],
      ['https://example.com/\n', 'net/url: invalid control character in URL'],
      ['https://a b/', 'invalid character " " in host name'],
      ['https://example.com#frag', 'invalid character "#" in host name'],
      ['https://example.com:abc/x', 'invalid port ":abc" after host'],
      ['https://example.com:80:80/', 'invalid port ":80:80" after host'],
      ['https://::1/', 'invalid port "::1" after host'],
      ['https://[::1]:80a/', 'invalid port ":80a" after host'],
      ['https://[::1/', "missing ']' in host"],
      ['https://a[::1]/', 'invalid IP-literal'],
      ['https://[1.2.3.4]/', 'invalid IP-literal'],
      ['https://[v1.x]/', 'invalid host: ParseAddr("v1.x"): unexpected character (at "v1.x")'],
      ['https://[1::2::3]/', 'invalid host: ParseAddr("1::2::3"): multiple :: in address (at ":3")'],
      ['https://[fe80::1%25]/', 'invalid host: ParseAddr("fe80::1%"): zone must be a non-empty string'],
      [
        'https://[12345::]/',
        'invalid host: ParseAddr("12345::"): each group must have 4 or less digits (at "12345::")',
      ],
      ['https://[::ffff:1.2.3]/', 'invalid host: ParseAddr("::ffff:1.2.3"): IPv4 address too short'],
      ['https://ü@example.com/', 'net/url: invalid userinfo'],
      ['https://exa%41mple.com/', 'invalid URL escape "%41"'],
      ['https://example.com/%zz', 'invalid URL escape "%zz"'],
      ['https://example.com/%zé', 'invalid URL escape "%z\\xc3"'],
      ['https://example.com/%4', 'invalid URL escape "%4"'],
    ] as const) {
      assert.equal(error(raw), `parse ${JSON.stringify(raw)}: ${want}`, raw);
    }
  });
});

describe('apimachinery DNS label validators', () => {
  it('words DNS-1123 and DNS-1035 label problems as apimachinery does', () => {
    assert.deepEqual(isDNS1123Label('ok-1'), []);
    assert.deepEqual(isDNS1123Label('a.b'), ['must not contain dots']);
    assert.deepEqual(isDNS1123Label('A'), [DNS1123_MSG]);
    assert.deepEqual(isDNS1123Label('a'.repeat(64)), ['must be no more than 63 characters']);
    assert.deepEqual(isDNS1035Label('a-1'), []);
    assert.deepEqual(isDNS1035Label('1a'), [DNS1035_MSG]);
    assert.deepEqual(isDNS1035Label('-'.repeat(64)), ['must be no more than 63 characters', DNS1035_MSG]);
  });
});
