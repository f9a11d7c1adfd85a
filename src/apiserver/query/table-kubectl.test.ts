/**
 * kubectl 1.32 as the judge of Tables and ages: a throwaway plain-HTTP server in the test answers
 * discovery and lists. Widgets are served as Tables built here (custom printer columns, -o wide, -A,
 * --show-labels); Gadgets as a plain list, which makes kubectl compute NAME/AGE itself with apimachinery's
 * HumanDuration, so its AGE column judges humanDuration. Skips when kubectl is missing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeObject } from '../registry/resource-definition.js';
import { buildCustomResourceTable, type PrinterColumn } from './custom-resource-table.js';
import { buildDefaultTable } from './default-table.js';
import { humanDuration } from './human-duration.js';
import { formatRfc3339Utc } from './rfc3339.js';
import { parseIncludeObject } from './table.js';

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/lib/google-cloud-sdk/bin'];
  return dirs.map((d) => path.join(d, name)).find((p) => existsSync(p));
}

const kubectl = findBinary('kubectl.1.32');

const GROUP = 'test.example.com';
const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const Y = 365 * D;

const columns: PrinterColumn[] = [
  { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio', priority: 1 },
  { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', priority: 1 },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

/** Ages (ms before the response is built) whose printed form we check, for plain lists and Tables. */
const AGES = [
  0,
  30 * S + 500,
  119 * S + 500,
  2 * M + 30 * S,
  9 * M + 59 * S + 500,
  45 * M,
  3 * H + 20 * M + 10 * S,
  7 * H + 59 * M + 30 * S,
  30 * H,
  3 * D + 4 * H + 30 * M,
  8 * D + 5 * H,
  400 * D,
  2 * Y + 45 * D + 3 * H,
  9 * Y,
];

let servedAt = 0;

function widgets(now: number): KubeObject[] {
  const mk = (
    name: string,
    namespace: string,
    ageMs: number,
    spec: Record<string, unknown>,
    status?: unknown,
  ): KubeObject => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'Widget',
    metadata: {
      name,
      namespace,
      labels: { app: 'demo', tier: name },
      creationTimestamp: new Date(now - ageMs).toISOString(),
    },
    spec,
    ...(status === undefined ? {} : { status }),
  });
  return [
    mk(
      'w1',
      'default',
      5 * M + 30 * S,
      { replicas: 3, ratio: 0.5, paused: false },
      { conditions: [{ type: 'Ready', status: 'True' }] },
    ),
    mk('w2', 'other', 3 * D + 4 * H + 30 * M, { replicas: 'three' }),
  ];
}

function gadgets(now: number): KubeObject[] {
  return AGES.map((age, i) => ({
    apiVersion: `${GROUP}/v1`,
    kind: 'Gadget',
    metadata: {
      name: `g${String(i).padStart(2, '0')}`,
      namespace: 'default',
      creationTimestamp: new Date(now - age).toISOString(),
    },
  }));
}

function json(res: ServerResponse, body: unknown, contentType = 'application/json'): void {
  res.writeHead(200, { 'Content-Type': contentType });
  res.end(JSON.stringify(body));
}

function resource(name: string, kind: string): Record<string, unknown> {
  return { name, singularName: kind.toLowerCase(), namespaced: true, kind, verbs: ['get', 'list'] };
}

function startServer(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const accept = req.headers.accept ?? '';
    const now = Date.now();
    servedAt = now;
    const p = url.pathname;
    if (p === '/api')
      return json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] });
    if (p === '/api/v1') return json(res, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
    if (p === '/apis') {
      const version = { groupVersion: `${GROUP}/v1`, version: 'v1' };
      return json(res, {
        kind: 'APIGroupList',
        apiVersion: 'v1',
        groups: [{ name: GROUP, versions: [version], preferredVersion: version }],
      });
    }
    if (p === `/apis/${GROUP}/v1`) {
      return json(res, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: `${GROUP}/v1`,
        resources: [
          resource('widgets', 'Widget'),
          resource('gadgets', 'Gadget'),
          resource('things', 'Thing'),
        ],
      });
    }
    const m = /^\/apis\/test\.example\.com\/v1\/(?:namespaces\/([^/]+)\/)?(widgets|gadgets|things)$/.exec(p);
    if (m) {
      const [, namespace, plural] = m;
      const wantsTable = accept.includes('as=Table');
      const all = plural === 'gadgets' ? gadgets(now) : widgets(now);
      const items = all.filter((o) => !namespace || o.metadata?.namespace === namespace);
      if (!wantsTable || plural === 'gadgets') {
        return json(res, {
          kind: `${plural === 'gadgets' ? 'Gadget' : 'Widget'}List`,
          apiVersion: `${GROUP}/v1`,
          metadata: { resourceVersion: '9' },
          items,
        });
      }
      const options = {
        objects: items,
        now: new Date(now),
        includeObject: parseIncludeObject(url.searchParams.get('includeObject')),
        listMeta: { resourceVersion: '9' },
      };
      const table =
        plural === 'things' ? buildDefaultTable(options) : buildCustomResourceTable({ ...options, columns });
      return json(res, table, 'application/json;as=Table;v=v1;g=meta.k8s.io');
    }
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }),
    );
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

/** Cuts kubectl's aligned output at the header's column starts, so empty cells stay empty strings. */
function rowsOf(out: string): string[][] {
  const lines = out.replace(/\n$/, '').split('\n');
  const starts = [...(lines[0] ?? '').matchAll(/\S+(?: \S+)*/g)].map((m) => m.index);
  return lines.map((line) =>
    starts.map((start, i) => line.slice(start, starts[i + 1] ?? line.length).trim()),
  );
}

describe(
  'Tables and ages as kubectl 1.32 prints them',
  { skip: kubectl ? false : 'kubectl.1.32 not found on PATH or in /usr/lib/google-cloud-sdk/bin' },
  () => {
    let dir = '';
    let server: Server | undefined;
    let url = '';

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'table-judge-'));
      writeFileSync(path.join(dir, 'kubeconfig'), 'apiVersion: v1\nkind: Config\n');
      ({ server, url } = await startServer());
    });

    after(async () => {
      await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    function run(...args: string[]): Promise<string> {
      return new Promise((resolve, reject) => {
        execFile(
          kubectl ?? '',
          ['--server', url, '--cache-dir', path.join(dir, 'cache'), ...args],
          { env: { ...process.env, HOME: dir, KUBECONFIG: path.join(dir, 'kubeconfig') }, timeout: 60_000 },
          (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
        );
      });
    }

    it('prints printer columns and the ages computed by the server', async () => {
      const rows = rowsOf(await run('get', 'widgets', '-n', 'default'));
      assert.deepEqual(rows, [
        ['NAME', 'REPLICAS', 'READY', 'AGE'],
        ['w1', '3', 'True', '5m30s'],
      ]);
    });

    it('shows priority > 0 columns only with -o wide', async () => {
      const rows = rowsOf(await run('get', 'widgets', '-A', '-o', 'wide'));
      assert.deepEqual(rows, [
        ['NAMESPACE', 'NAME', 'REPLICAS', 'READY', 'RATIO', 'PAUSED', 'AGE'],
        ['default', 'w1', '3', 'True', '0.5', 'false', '5m30s'],
        // kubectl 1.32 prints null cells (type mismatch, no match) as nothing at all.
        ['other', 'w2', '', '', '', '', '3d4h'],
      ]);
    });

    it('takes namespaces and labels from the PartialObjectMetadata rows', async () => {
      const rows = rowsOf(await run('get', 'widgets', '-A', '--show-labels'));
      assert.deepEqual(rows[0], ['NAMESPACE', 'NAME', 'REPLICAS', 'READY', 'AGE', 'LABELS']);
      assert.deepEqual(rows[1], ['default', 'w1', '3', 'True', '5m30s', 'app=demo,tier=w1']);
      assert.deepEqual(rows[2], ['other', 'w2', '', '', '3d4h', 'app=demo,tier=w2']);
    });

    it('prints the default table (Name, Created At as an age)', async () => {
      const rows = rowsOf(await run('get', 'things', '-n', 'default'));
      assert.deepEqual(rows, [
        ['NAME', 'CREATED AT'],
        ['w1', formatRfc3339Utc(servedAt - (5 * M + 30 * S))],
      ]);
    });

    it('computes AGE like kubectl’s own HumanDuration for every range', async () => {
      const out = await run('get', 'gadgets', '-n', 'default');
      const printedAt = Date.now();
      const rows = rowsOf(out);
      assert.deepEqual(rows[0], ['NAME', 'AGE']);
      assert.equal(rows.length, AGES.length + 1);
      AGES.forEach((age, i) => {
        const printed = rows[i + 1]?.[1];
        // kubectl measured the age somewhere between our response and its exit.
        const candidates = new Set<string>();
        for (let t = servedAt; t <= printedAt + 1; t += 50)
          candidates.add(humanDuration(t - (servedAt - age)));
        assert.ok(
          printed !== undefined && candidates.has(printed),
          `age ${age} ms: kubectl ${printed}, ours ${[...candidates].join('|')}`,
        );
      });
    });
  },
);
