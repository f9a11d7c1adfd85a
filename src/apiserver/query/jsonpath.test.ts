import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isJsonPathExecutionError, isJsonPathParseError, JsonPathParseError } from './jsonpath-errors.js';
import { findJsonPathResults } from './jsonpath-evaluate.js';
import { parseJsonPath, parseJsonPathExpression } from './jsonpath-parser.js';
import { executeJsonPath, formatJsonPathResults } from './jsonpath-print.js';

/** A Cluster API v1beta2 Machine as the controllers write it. */
const machine = {
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Machine',
  metadata: {
    name: 'md-0-abcde-xyz12',
    namespace: 'default',
    labels: {
      'cluster.x-k8s.io/cluster-name': 'c1',
      'cluster.x-k8s.io/deployment-name': 'md-0',
    },
    ownerReferences: [
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'MachineSet',
        name: 'md-0-abcde',
        uid: 'u1',
        controller: true,
      },
    ],
    creationTimestamp: '2024-05-01T10:00:00Z',
  },
  spec: {
    clusterName: 'c1',
    version: 'v1.32.0',
    bootstrap: {
      configRef: { apiGroup: 'bootstrap.cluster.x-k8s.io', kind: 'KubeadmConfig', name: 'cfg-1' },
    },
    infrastructureRef: { apiGroup: 'infrastructure.cluster.x-k8s.io', kind: 'DevMachine', name: 'dm-1' },
  },
  status: {
    phase: 'Running',
    nodeRef: { name: 'node-1' },
    addresses: [
      { type: 'InternalIP', address: '10.0.0.5' },
      { type: 'ExternalIP', address: '203.0.113.5' },
      { type: 'Hostname', address: 'node-1' },
    ],
    conditions: [
      { type: 'Available', status: 'True', reason: 'Available', observedGeneration: 2 },
      { type: 'Ready', status: 'True', reason: 'Ready', observedGeneration: 2 },
      { type: 'UpToDate', status: 'False', reason: 'NotUpToDate', observedGeneration: 1 },
      { type: 'BootstrapConfigReady', status: 'True', reason: 'Ready', observedGeneration: 2 },
    ],
    initialization: { bootstrapDataSecretCreated: true, infrastructureProvisioned: true },
    observedGeneration: 2,
  },
};

const machineList = {
  apiVersion: 'v1',
  kind: 'List',
  items: [
    machine,
    {
      ...machine,
      metadata: { ...machine.metadata, name: 'cp-1', labels: { 'cluster.x-k8s.io/control-plane': '' } },
      status: { phase: 'Provisioning', conditions: [{ type: 'Ready', status: 'False', reason: 'Waiting' }] },
    },
    { ...machine, metadata: { ...machine.metadata, name: 'bare' }, status: {} },
  ],
};

function run(template: string, data: unknown, allowMissingKeys = true): string {
  return executeJsonPath(parseJsonPath(template), data, { allowMissingKeys });
}

describe('JSONPath on Cluster API objects', () => {
  const cases: [string, unknown, string][] = [
    ['{.metadata.name}', machine, 'md-0-abcde-xyz12'],
    ['{.status.conditions[?(@.type=="Ready")].status}', machine, 'True'],
    ["{.status.conditions[?(@.type=='UpToDate')].reason}", machine, 'NotUpToDate'],
    ['{.status.conditions[?(@.status!="True")].type}', machine, 'UpToDate'],
    ['{.status.conditions[?(@.observedGeneration<2)].type}', machine, 'UpToDate'],
    [
      '{.status.conditions[?(@.observedGeneration>=2)].type}',
      machine,
      'Available Ready BootstrapConfigReady',
    ],
    ['{.status.conditions[?(@.observedGeneration<=1)].type}', machine, 'UpToDate'],
    ['{.status.conditions[?(@.observedGeneration>1)].type}', machine, 'Available Ready BootstrapConfigReady'],
    ['{.status.conditions[?(@.reason)].type}', machine, 'Available Ready UpToDate BootstrapConfigReady'],
    ['{.status.conditions[?(@.missing)].type}', machine, ''],
    ['{.status.conditions[?(@.type == "Ready")].status}', machine, 'True'],
    [
      '{.status.conditions[?(@.status==@.status)].type}',
      machine,
      'Available Ready UpToDate BootstrapConfigReady',
    ],
    ['{.status.conditions[*].type}', machine, 'Available Ready UpToDate BootstrapConfigReady'],
    ['{.status.conditions[0].type}', machine, 'Available'],
    ['{.status.conditions[-1].type}', machine, 'BootstrapConfigReady'],
    ['{.status.conditions[1:3].type}', machine, 'Ready UpToDate'],
    ['{.status.conditions[::2].type}', machine, 'Available UpToDate'],
    ['{.status.conditions[-2:].type}', machine, 'UpToDate BootstrapConfigReady'],
    ['{.status.conditions[0,2].type}', machine, 'Available UpToDate'],
    ['{.status.conditions[0:0].type}', machine, ''],
    ['{.status.addresses[?(@.type=="InternalIP")].address}', machine, '10.0.0.5'],
    ['{.metadata.labels.cluster\\.x-k8s\\.io/cluster-name}', machine, 'c1'],
    ["{.metadata.labels['cluster\\.x-k8s\\.io/deployment-name']}", machine, 'md-0'],
    ["{.metadata['name']}", machine, 'md-0-abcde-xyz12'],
    ['{.metadata.ownerReferences[?(@.controller==true)].kind}', machine, 'MachineSet'],
    ['{.status.initialization.bootstrapDataSecretCreated}', machine, 'true'],
    ['{.status.observedGeneration}', machine, '2'],
    [
      '{.spec.bootstrap}',
      machine,
      '{"configRef":{"apiGroup":"bootstrap.cluster.x-k8s.io","kind":"KubeadmConfig","name":"cfg-1"}}',
    ],
    ['{.status.nodeRef}', machine, '{"name":"node-1"}'],
    ['{.spec.infrastructureRef.*}', machine, 'infrastructure.cluster.x-k8s.io DevMachine dm-1'],
    ['{..name}', machine.spec, 'cfg-1 dm-1'],
    ['{.spec..kind}', machine, 'KubeadmConfig DevMachine'],
    ['{$.kind}/{@.metadata.name}', machine, 'Machine/md-0-abcde-xyz12'],
    ['name={.metadata.name} phase={.status.phase}', machine, 'name=md-0-abcde-xyz12 phase=Running'],
    ['{.metadata.name}{"\\t"}{.status.phase}{"\\n"}', machine, 'md-0-abcde-xyz12\tRunning\n'],
    ["{'single'}", machine, 'single'],
    ['{"{"}{.kind}{"}"}', machine, '{Machine}'],
    ['{.nope}', machine, ''],
    ['before-{.nope}after', machine, 'before-after'],
    ['{.items[*].metadata.name}', machineList, 'md-0-abcde-xyz12 cp-1 bare'],
    ['{.items[?(@.status.phase=="Running")].metadata.name}', machineList, 'md-0-abcde-xyz12'],
    [
      '{range .items[*]}{.metadata.name}{"\\t"}{.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}',
      machineList,
      'md-0-abcde-xyz12\tTrue\ncp-1\tFalse\nbare\t\n',
    ],
    [
      '{range .items[*]}{.metadata.name}:{range .status.conditions[*]}{.type}={.status},{end};{end}',
      machineList,
      'md-0-abcde-xyz12:Available=True,Ready=True,UpToDate=False,BootstrapConfigReady=True,;cp-1:Ready=False,;bare:;',
    ],
    ['{range .items[*]}[{.metadata.name}]{end} total', machineList, '[md-0-abcde-xyz12][cp-1][bare] total'],
    ['{range .missing[*]}{.x}{end}after', machineList, 'after'],
    ['{.items[?(@.metadata.labels.cluster\\.x-k8s\\.io/control-plane)].metadata.name}', machineList, 'cp-1'],
    ["{.items[0]['metadata.name', 'status.phase']}", machineList, 'md-0-abcde-xyz12 Running'],
  ];
  for (const [template, data, expected] of cases) {
    it(template, () => assert.equal(run(template, data), expected));
  }

  it('returns raw values per action from findJsonPathResults', () => {
    const results = findJsonPathResults(
      parseJsonPath('{.status.conditions[*].observedGeneration}-{.status.nodeRef}'),
      machine,
    );
    assert.deepEqual(results, [[2, 2, 1, 2], ['-'], [{ name: 'node-1' }]]);
    assert.equal(results[2]?.[0], machine.status.nodeRef, 'values are not copied');
    assert.equal(formatJsonPathResults(results), '2 2 1 2-{"name":"node-1"}');
  });

  it('parses the printer-column form without braces', () => {
    const template = parseJsonPathExpression('.status.conditions[?(@.type=="Ready")].status');
    assert.equal(template.source, '.status.conditions[?(@.type=="Ready")].status');
    assert.deepEqual(findJsonPathResults(template, machine), [['True']]);
  });
});

describe('JSONPath value semantics', () => {
  const data = {
    ints: [1, 2, 3],
    floats: [1.5, 2.5],
    mixed: [true, 'one', 1, 1.1, null, { a: 1 }],
    nested: { a: { b: { c: 'deep' } }, list: [{ c: 'in-list' }] },
    empty: [],
    nil: null,
    s: 'ab',
    html: '<b>&</b>',
  };
  const cases: [string, string][] = [
    ['{.ints}', '[1,2,3]'],
    ['{.ints[*]}', '1 2 3'],
    ['{.floats[*]}', '1.5 2.5'],
    ['{.mixed[*]}', 'true one 1 1.1 null {"a":1}'],
    ['{.mixed}', '[true,"one",1,1.1,null,{"a":1}]'],
    ['{.nil}', 'null'],
    ['{.html}', '<b>&</b>'],
    ['{.mixed[5]}', '{"a":1}'],
    ['{.ints[?(@>1)]}', '2 3'],
    ['{.ints[?(@==2)]}', '2'],
    ['{.floats[?(@>2.0)]}', '2.5'],
    ['{.s.*}', '97 98'],
    ['{..c}', 'deep in-list'],
    ['{.empty[*]}', ''],
    ['{.empty}', '[]'],
    ['{.ints[-1:]}', '3'],
    ['{1}', '1'],
    ['{true}', 'true'],
    ['{1.0}', '1'],
    ['{2000000.5}', '2.0000005e+06'],
  ];
  for (const [template, expected] of cases) {
    it(template, () => assert.equal(run(template, data), expected));
  }

  it('stops at the first empty selection, as upstream does', () => {
    const lists = { a: [{ l: [] }, { l: [1] }] };
    assert.equal(run('{.a[*].l[*]}', lists), '');
    assert.equal(run('{.a[1].l[*]}', lists), '1');
  });

  it('skips null elements in field and wildcard steps', () => {
    assert.equal(run('{.a[*].x}', { a: [null, { x: 1 }, null, { x: 2 }] }), '1 2');
    assert.equal(run('{range .a[*]}{@};{end}', { a: [null, 1] }), '<no value>;1;');
  });
});

describe('JSONPath execution errors', () => {
  const data = {
    spec: { replicas: 3, ratio: 1.5, list: [1, 2], maps: [{ a: 1 }], nil: null, mixed: [1, 'x'] },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
  const cases: [string, string, boolean?][] = [
    ['{.spec.nope}', 'nope is not found', false],
    ['{.status.conditions[?(@.nope=="x")]}', 'nope is not found', false],
    ['{.spec.replicas[0]}', 'int64 is not array or slice'],
    ['{.spec.ratio[0]}', 'float64 is not array or slice'],
    ['{.spec[0]}', 'map[string]interface {} is not array or slice'],
    ['{.spec.list[2]}', 'array index out of bounds: index 2, length 2'],
    ['{.spec.list[-3]}', 'array index out of bounds: index -1, length 2'],
    ['{.spec.list[0:3]}', 'array index out of bounds: index 2, length 2'],
    ['{.spec.list[1:0]}', 'starting index 1 is greater than ending index 0'],
    ['{.spec.list[0:2:0]}', 'step must be > 0'],
    [
      '{.spec[?(@.a==1)]}',
      'map[list:[1 2] maps:[map[a:1]] mixed:[1 x] nil:<nil> ratio:1.5 replicas:3] is not array or slice and cannot be filtered',
    ],
    ['{.spec.nil[?(@.a==1)]}', '<nil> is not array or slice and cannot be filtered'],
    ['{.spec.list[?(@>1.5)]}', 'incompatible types for comparison'],
    ['{.spec.mixed[?(@=="x")]}', 'incompatible types for comparison'],
    ['{.spec.maps[?(@<1)]}', 'invalid type for comparison'],
    ['{.spec.list[?(@<>1)]}', 'unrecognized filter operator <>'],
    ['{.spec.list[?(@=1)]}', 'unrecognized filter operator ='],
    ['{.status.conditions[?(@.type>true)]}', 'incompatible types for comparison'],
    ['{.spec.maps[?(@.a==true)]}', 'incompatible types for comparison'],
    ['{hello}', 'unrecognized identifier hello'],
    ['{end}', 'not in range, nothing to end'],
    ['{range .spec.list[*]}{@}{end}{end}', 'not in range, nothing to end'],
    ['{.status.conditions[?(@.*=="True")]}', 'can only compare one element at a time'],
  ];
  for (const [template, message, allowMissingKeys = true] of cases) {
    it(`${template} → ${message}`, () => {
      assert.throws(
        () => run(template, data, allowMissingKeys),
        (err: unknown) => isJsonPathExecutionError(err) && err.message === message,
      );
    });
  }

  it('booleans support == but not ordering', () => {
    assert.equal(
      run('{.a[?(@.b==true)].n}', {
        a: [
          { b: true, n: 1 },
          { b: false, n: 2 },
        ],
      }),
      '1',
    );
    assert.throws(() => run('{.a[?(@.b<true)].n}', { a: [{ b: true }] }), /invalid type for comparison/);
  });

  it('an existence filter tolerates missing keys even when they are errors elsewhere', () => {
    assert.equal(run('{.status.conditions[?(@.nope)].type}', data, false), '');
  });
});

describe('JSONPath parse errors', () => {
  const cases: [string, string][] = [
    ['{.hello', 'unclosed action'],
    ['{.a\n}', 'unclosed action'],
    ['{*}', "unrecognized character in action: U+002A '*'"],
    ['{.a\t}', 'unrecognized character in action: U+0009'],
    ['{.a && .b}', "unrecognized character in action: U+0026 '&'"],
    ['{+12.3.0}', 'cannot parse number +12.3.0'],
    ['{-}', 'cannot parse number -'],
    ['{[1}', 'unterminated array'],
    ['{[?(.price]}', 'unterminated filter'],
    ['{[?(@.a=="x")}', 'unclosed array expect ]'],
    ['{........}', 'invalid multiple recursive descent'],
    ['{"abc}', 'unterminated quoted string'],
    ['{"a\\qb"}', 'unquote string "a\\qb" error invalid syntax'],
    ["{'a\\\"b'}", "unquote string 'a\\\"b' error invalid syntax"],
    ['{[a]}', 'invalid array index a'],
    ['{["a"]}', 'invalid array index "a"'],
    ['{[1:2:3:4]}', 'invalid array index 1:2:3:4'],
    ['{[-]}', 'array index - is not a number'],
    ['{[99999999999999999999]}', 'array index 99999999999999999999 is not a number'],
    ['{.items[?(@.a=="x" && @.b=="y")]}', "unrecognized character in action: U+0026 '&'"],
    ['{.a[0,x]}', 'invalid array index x'],
  ];
  for (const [template, message] of cases) {
    it(`${JSON.stringify(template)} → ${message}`, () => {
      assert.throws(
        () => parseJsonPath(template),
        (err: unknown) => isJsonPathParseError(err) && err.message === message && err.template === template,
      );
    });
  }

  it('accepts what kubectl accepts', () => {
    for (const template of [
      '',
      'plain text }',
      '{}',
      '{ .a }',
      '{$}',
      '{@}',
      "{.a['b']}",
      '{"\\u00e9\\x41\\101\\n"}',
      "{'it\\'s'}",
      '{.a[*]}',
      '{.a[]}',
      '{...a}',
      '{range .a[*]}{end}',
      '{.a[?(@.b)]}',
    ]) {
      assert.doesNotThrow(() => parseJsonPath(template), template);
    }
    assert.equal(run('{"\\u00e9\\x41\\101\\n"}', {}), 'éAA\n');
    assert.equal(run("{'it\\'s'}", {}), "it's");
    assert.equal(run('{.a[]}', { a: [7, 8] }), '7');
  });

  it('is a JsonPathParseError', () => {
    assert.throws(() => parseJsonPathExpression('.a['), JsonPathParseError);
  });
});
