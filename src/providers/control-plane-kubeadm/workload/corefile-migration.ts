// The Corefile migration KCP runs when it changes the CoreDNS image (upstream calls
// github.com/coredns/corefile-migration's `Migrate(from, to, corefile, deprecations=false)`). That library walks
// release by release from `from` to `to` and applies each release's rules. Between the releases kubeadm has
// deployed since Kubernetes 1.21 (CoreDNS 1.8.0 and later) the rules only add options, except one: in the
// `kubernetes` plugin the ignored multi-argument form of `endpoint` is cut to its first argument. That rule is
// implemented here, on the text, so the rest of the Corefile (comments, layout) stays as the user wrote it.
// Migrations from releases older than 1.8.0 (renamed plugins, split server blocks) are refused.
import { compareVersions, isSemverError, parseSemver } from '../../../core/api/version.js';
import { coreDNSUpMigrationError } from '../webhooks/coredns-migration.js';
import { CoreDNSUpgradeError } from './workload-errors.js';

/** Migrates a Corefile between two CoreDNS releases, given as `MAJOR.MINOR.PATCH`. */
export type CorefileMigrator = (fromVersion: string, toVersion: string, corefile: string) => string;

const OLDEST_SUPPORTED = { major: 1, minor: 8, patch: 0, pre: [], build: [] };

export const migrateCorefile: CorefileMigrator = (fromVersion, toVersion, corefile) => {
  if (fromVersion === toVersion) return corefile;
  const problem = coreDNSUpMigrationError(fromVersion, toVersion);
  if (problem !== undefined) {
    throw new CoreDNSUpgradeError('UnsupportedVersion', `unable to migrate CoreDNS corefile: ${problem}`);
  }
  const from = parseSemver(fromVersion);
  if (isSemverError(from) || compareVersions(from, OLDEST_SUPPORTED) < 0) {
    throw new CoreDNSUpgradeError(
      'CorefileMigration',
      `unable to migrate CoreDNS corefile: migrating from CoreDNS ${fromVersion} (older than 1.8.0) is not supported`,
    );
  }
  return keepFirstKubernetesEndpoint(corefile);
};

/** Splits a Corefile line into its tokens and the comment after them (quotes keep `#` and spaces). */
function tokenize(line: string): { tokens: string[]; comment: string } {
  const tokens: string[] = [];
  let current = '';
  let quoted = false;
  let inToken = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      current += ch;
      if (ch === '\\' && i + 1 < line.length) current += line[++i]!;
      else if (ch === '"') quoted = false;
      continue;
    }
    if (ch === '#' && !inToken) return { tokens, comment: line.slice(i) };
    if (/\s/.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
      continue;
    }
    if (ch === '"') quoted = true;
    current += ch;
    inToken = true;
  }
  if (inToken) tokens.push(current);
  return { tokens, comment: '' };
}

/** `endpoint A B ...` inside a `kubernetes` plugin block becomes `endpoint A`. */
function keepFirstKubernetesEndpoint(corefile: string): string {
  const blocks: string[] = [];
  const lines = corefile.split('\n').map((line) => {
    const { tokens, comment } = tokenize(line);
    let out = line;
    const inKubernetes = blocks.length === 2 && blocks[1] === 'kubernetes';
    if (inKubernetes && tokens[0] === 'endpoint' && tokens.length > 2 && !tokens.includes('{')) {
      const indent = /^\s*/.exec(line)?.[0] ?? '';
      out = `${indent}endpoint ${tokens[1]}${comment ? ` ${comment}` : ''}`;
    }
    for (const t of tokens) {
      if (t === '{' || (t.endsWith('{') && !t.startsWith('"'))) blocks.push(tokens[0] ?? '');
      else if (t === '}') blocks.pop();
    }
    return out;
  });
  return lines.join('\n');
}
