#!/usr/bin/env node
// Runs every test file with node:test through tsx. Node 20's `--test` does not expand globs,
// so the file list is built here. Usage: node scripts/run-tests.mjs [path-substring ...]
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const roots = ['src', 'test', 'eslint-rules', 'scripts'];

function* walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && !entry.name.startsWith('.')) yield* walk(full);
    } else if (/\.test\.(ts|mjs)$/.test(entry.name)) {
      yield path.relative(root, full);
    }
  }
}

const filters = process.argv.slice(2);
const files = roots
  .flatMap((r) => [...walk(path.join(root, r))])
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();

if (files.length === 0) {
  console.error(`no test files found${filters.length ? ` matching ${filters.join(', ')}` : ''}`);
  process.exit(1);
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
