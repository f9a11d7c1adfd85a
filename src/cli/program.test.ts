import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { clusterApiCrds } from '../main/crds.js';
import { runCli } from './program.js';

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
  bin: Record<string, string>;
};

describe('capi CLI', () => {
  it('prints the package version and the v1beta2 contract', async () => {
    const { code, out } = await run('version');
    assert.equal(code, 0);
    assert.match(out, new RegExp(`^capi-ts ${pkg.version.replace(/\./g, '\\.')}$`, 'm'));
    assert.match(out, /^Cluster API contract: v1beta2$/m);
  });

  it('prints the version as JSON for machines', async () => {
    const { code, out } = await run('version', '-o', 'json');
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(out), { version: pkg.version, contract: 'v1beta2' });
  });

  it('lists its commands in --help', async () => {
    const { code, out } = await run('--help');
    assert.equal(code, 0);
    assert.match(out, /Usage: capi/);
    assert.match(out, /version/);
  });

  it('prints every Cluster API CRD as one YAML stream that reads back unchanged', async () => {
    const { code, out, err } = await run('crds');
    assert.equal(code, 0, err);
    const docs = parseAllDocuments(out).map((d) => d.toJS() as unknown);
    const crds = clusterApiCrds();
    assert.ok(crds.length > 0);
    // Every field survives the trip through YAML (patterns with backslashes, "True" enums, '' defaults).
    assert.deepEqual(docs, crds);
    assert.match(out, /^---$/m);
    // Stable: the same CRDs print the same bytes.
    assert.equal((await run('crds')).out, out);
  });

  it('rejects an unknown command with a clear message and a non-zero exit', async () => {
    const { code, err } = await run('frobnicate');
    assert.notEqual(code, 0);
    assert.match(err, /unknown command 'frobnicate'/);
  });

  it('rejects an unknown flag with a clear message and a non-zero exit', async () => {
    const { code, err } = await run('version', '--frob');
    assert.notEqual(code, 0);
    assert.match(err, /unknown option '--frob'/);
  });

  it('rejects an unknown output format', async () => {
    const { code, err } = await run('version', '-o', 'xml');
    assert.equal(code, 1);
    assert.equal(err, 'error: unknown output format "xml" (use text or json)\n');
  });

  it('sets the process exit code when run as a program', () => {
    const entry = fileURLToPath(new URL('./capi.ts', import.meta.url));
    const ok = spawnSync(process.execPath, ['--import', 'tsx', entry, 'version'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    const bad = spawnSync(process.execPath, ['--import', 'tsx', entry, 'nope'], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /unknown command 'nope'/);
  });

  it('declares the capi binary at the built CLI entry', () => {
    assert.equal(pkg.bin.capi, 'dist/cli/capi.js');
  });

  it('prints a bash completion script that completes sub-commands and flags', async () => {
    const { code, out } = await run('completion', 'bash');
    assert.equal(code, 0);
    const complete = (...words: string[]): string[] => {
      const script = `${out}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _capi; echo "\${COMPREPLY[@]}"`;
      const res = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
      assert.equal(res.status, 0, res.stderr);
      return res.stdout.trim().split(' ');
    };
    assert.deepEqual(complete('capi', 'get', ''), ['kubeconfig', 'clusters', '--help']);
    assert.deepEqual(complete('capi', 'rollout', ''), ['restart', 'pause', 'resume', '--help']);
    assert.ok(complete('capi', 'delete', 'cluster', 'demo', '--w').includes('--wait'));
  });

  it('names the shells it knows when asked for another', async () => {
    const { code, err } = await run('completion', 'ksh');
    assert.equal(code, 1);
    assert.equal(err, 'error: unknown shell "ksh" (use bash, zsh, fish)\n');
  });

  it('says in one line that no management plane answers, and more with --verbose', async () => {
    const env = { HOME: '/nonexistent', KUBECONFIG: '' };
    const dir = mkdtempSync(path.join(tmpdir(), 'capi-cli-'));
    const file = path.join(dir, 'kubeconfig');
    writeFileSync(
      file,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: https://127.0.0.1:9}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    let err = '';
    const code = await runCli(['get', 'kubeconfig', 'demo', '--kubeconfig', file], {
      stdout: () => undefined,
      stderr: (t) => (err += t),
      env,
    });
    assert.equal(code, 1);
    assert.match(
      err,
      /^error: cannot reach the management plane at https:\/\/127\.0\.0\.1:9 .*ECONNREFUSED.*\n$/,
    );
    let verbose = '';
    await runCli(['get', 'kubeconfig', 'demo', '--kubeconfig', file, '--verbose'], {
      stdout: () => undefined,
      stderr: (t) => (verbose += t),
      env,
    });
    assert.match(verbose, /caused by: TransportError/);
  });
});
