/**
 * kubectl 1.32 as an independent judge of the JSONPath engine: for each template, what
 * `kubectl label --local -f obj.json --overwrite judge=1 -o jsonpath=<template>` prints (or the error it
 * reports) must equal what executeJsonPath produces for the same object. `label --local` with the label
 * the file already carries leaves the object as it was and needs no server. Skips when kubectl is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isJsonPathExecutionError, isJsonPathParseError } from './jsonpath-errors.js';
import { parseJsonPath } from './jsonpath-parser.js';
import { executeJsonPath } from './jsonpath-print.js';

/** `name` on PATH, else in the gcloud SDK folder where this environment keeps versioned kubectls. */
function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/lib/google-cloud-sdk/bin'];
  return dirs.map((d) => path.join(d, name)).find((p) => p && existsSync(p));
}

const kubectl = findBinary('kubectl.1.32');

const objects: Record<string, Record<string, unknown>> = {
  machine: {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Machine',
    metadata: {
      name: 'md-0-abcde-xyz12',
      namespace: 'default',
      labels: { judge: '1', 'cluster.x-k8s.io/cluster-name': 'c1' },
      ownerReferences: [
        {
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'MachineSet',
          name: 'md-0-abcde',
          uid: 'u1',
          controller: true,
        },
      ],
    },
    spec: {
      clusterName: 'c1',
      bootstrap: { configRef: { kind: 'KubeadmConfig', name: 'cfg-1' } },
      infrastructureRef: { kind: 'DevMachine', name: 'dm-1' },
      failureDomain: null,
    },
    status: {
      phase: 'Running',
      addresses: [
        { type: 'InternalIP', address: '10.0.0.5' },
        { type: 'Hostname', address: 'node-1' },
      ],
      conditions: [
        { type: 'Available', status: 'True', observedGeneration: 2 },
        { type: 'Ready', status: 'True', observedGeneration: 2 },
        { type: 'UpToDate', status: 'False', reason: 'NotUpToDate', observedGeneration: 1 },
      ],
      deprecated: { v1beta1: { conditions: [] } },
    },
  },
  widget: {
    apiVersion: 'test.example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w1', labels: { judge: '1' }, annotations: { note: '<a & b>' } },
    spec: {
      replicas: 3,
      ratio: 1.5,
      big: 1234567.5,
      small: 0.00001,
      huge: 100000000000000000000,
      enabled: false,
      tags: ['a', 'b', 'c', 'd'],
      ports: [
        { name: 'http', port: 80 },
        { name: 'https', port: 443 },
      ],
      nested: { list: [{ items: [1, 2] }, { items: [] }, { items: [3] }] },
      holes: [null, { x: 1 }, null],
    },
  },
};

/** [object, template, outputs in random order (Go map iteration)?] */
const cases: [string, string, boolean?][] = [
  ['machine', '{.metadata.name}'],
  ['machine', '{.status.conditions[?(@.type=="Ready")].status}'],
  ['machine', '{.status.conditions[?(@.status!="True")].reason}'],
  ['machine', '{.status.conditions[?(@.observedGeneration<2)].type}'],
  ['machine', '{.status.conditions[?(@.observedGeneration>=2)].type}'],
  ['machine', '{.status.conditions[?(@.reason)].type}'],
  ['machine', '{.status.conditions[*].type}'],
  ['machine', '{.status.conditions[-1].type} {.status.conditions[0:2].type} {.status.conditions[::2].type}'],
  ['machine', '{range .status.conditions[*]}{.type}={.status}{"\\n"}{end}'],
  ['machine', '{range .status.addresses[*]}{.type}{"\\t"}{.address}{"\\n"}{end}done'],
  ['machine', '{.metadata.labels.cluster\\.x-k8s\\.io/cluster-name}'],
  ['machine', "{.metadata.labels['cluster\\.x-k8s\\.io/cluster-name']}"],
  ['machine', '{.metadata.ownerReferences[?(@.controller==true)].name}'],
  ['machine', '{.spec.bootstrap}'],
  ['machine', '{.spec.failureDomain}'],
  ['machine', '{.status.deprecated.v1beta1.conditions}'],
  ['machine', '{.status.deprecated.v1beta1.conditions[*].type}'],
  ['machine', '{.missing} {.status.missing[*]}|'],
  ['machine', '{..kind}', true],
  ['machine', '{.spec.infrastructureRef.*}', true],
  ['machine', '{.status.conditions[0,2].type}'],
  ['machine', '{.status.conditions[5].type}'],
  ['machine', '{.status.conditions[?(@.observedGeneration>1.5)].type}'],
  ['machine', '{.status.conditions[?(@.type=="Ready" && @.status=="True")].type}'],
  ['machine', '{.hello'],
  ['machine', '{.status[0]}'],
  ['widget', '{.spec.replicas} {.spec.ratio} {.spec.big} {.spec.small} {.spec.huge} {.spec.enabled}'],
  ['widget', '{.spec}'],
  ['widget', '{.metadata.annotations.note} {.metadata.annotations}'],
  ['widget', '{.spec.tags[1:3]} {.spec.tags[-2:]} {.spec.tags[:2]} {.spec.tags[0:0]}'],
  ['widget', '{.spec.ports[?(@.port>100)].name} {.spec.ports[?(@.name=="http")].port}'],
  ['widget', '{range .spec.ports[*]}{.name}:{.port},{end}'],
  ['widget', '{range .spec.nested.list[*]}[{range .items[*]}{@};{end}]{end}'],
  ['widget', '{.spec.nested.list[*].items[*]}'],
  ['widget', '{range .spec.holes[*]}{@}|{end}'],
  ['widget', '{.spec.holes[*].x}'],
  ['widget', '{.metadata.name.*}'],
  ['widget', '{.spec.tags[?(@>"b")]}'],
  ['widget', '{"lit"} {1} {2.5} {true}'],
  ['widget', '{.spec.tags[4]}'],
  ['widget', '{.spec.ports[?(@.port==80.0)].name}'],
];

function runKubectl(
  binary: string,
  file: string,
  template: string,
): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['label', '--local', '-f', file, '--overwrite', 'judge=1', '-o', `jsonpath=${template}`],
      { env: { ...process.env, KUBECONFIG: path.join(path.dirname(file), 'kubeconfig') }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ ok: !err, stdout, stderr }),
    );
  });
}

/** What our engine reports, in the shape kubectl prints it. */
function ours(template: string, data: unknown): { ok: boolean; text: string } {
  try {
    return { ok: true, text: executeJsonPath(parseJsonPath(template), data) };
  } catch (err) {
    if (isJsonPathParseError(err))
      return { ok: false, text: `error parsing jsonpath ${template}, ${err.message}` };
    if (isJsonPathExecutionError(err))
      return { ok: false, text: `Error executing template: ${err.message}.` };
    throw err;
  }
}

const sortWords = (s: string): string => s.split(' ').sort().join(' ');

describe(
  'JSONPath matches kubectl 1.32 -o jsonpath',
  { skip: kubectl ? false : 'kubectl.1.32 not found on PATH or in /usr/lib/google-cloud-sdk/bin' },
  () => {
    let dir = '';
    const judged = new Map<string, Promise<{ ok: boolean; stdout: string; stderr: string }>>();

    before(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'jsonpath-judge-'));
      writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
      for (const [name, obj] of Object.entries(objects))
        writeFileSync(path.join(dir, `${name}.json`), JSON.stringify(obj));
      // Two kubectl processes at a time: the machine is shared.
      const queue = [...cases];
      const worker = async (): Promise<void> => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const [objName, template] = c;
          const key = `${objName}\0${template}`;
          const p = runKubectl(kubectl ?? '', path.join(dir, `${objName}.json`), template);
          judged.set(key, p);
          await p;
        }
      };
      void Promise.all([worker(), worker()]);
    });

    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const [objName, template, unordered] of cases) {
      it(`${objName}: ${template}`, async () => {
        const key = `${objName}\0${template}`;
        while (!judged.has(key)) await new Promise((r) => setTimeout(r, 20));
        const judge = await judged.get(key);
        assert.ok(judge);
        const mine = ours(template, objects[objName]);
        if (judge.ok) {
          assert.ok(mine.ok, `kubectl printed ${JSON.stringify(judge.stdout)}, we failed: ${mine.text}`);
          assert.equal(
            unordered ? sortWords(mine.text) : mine.text,
            unordered ? sortWords(judge.stdout) : judge.stdout,
          );
        } else {
          assert.ok(
            !mine.ok,
            `kubectl failed (${judge.stderr.split('\n')[0]}), we printed ${JSON.stringify(mine.text)}`,
          );
          assert.ok(
            judge.stderr.includes(mine.text),
            `kubectl: ${judge.stderr.split('\n')[0]}\nours: ${mine.text}`,
          );
        }
      });
    }
  },
);
