// Enforces the layering of docs/architecture.md: which folder of src/ may import which.
// Paths are resolved from the importing file, so `../../core/x.js` and `../core/x.js` are judged
// by where they land, not by how they are spelled.
import path from 'node:path';

/**
 * Each layer: the folder it covers and the folders its files may import from.
 * `<self>` stands for the provider folder a file sits in (src/providers/<name>).
 * The most specific (longest) matching layer wins.
 */
export const layers = [
  // Pure leaves every layer may use (Go's string quoting, ...): they import nothing but each other (ADR 0014).
  { folder: 'src/lib', mayImport: ['src/lib'] },
  { folder: 'src/apiserver', mayImport: ['src/apiserver', 'src/pki', 'src/lib'] },
  { folder: 'src/controller-runtime', mayImport: ['src/controller-runtime', 'src/pki', 'src/lib'] },
  { folder: 'src/pki', mayImport: ['src/pki', 'src/lib'] },
  { folder: 'src/core/api', mayImport: ['src/core/api', 'src/lib'] },
  { folder: 'src/core', mayImport: ['src/core', 'src/controller-runtime', 'src/pki', 'src/lib'] },
  // The cluster certificate and kubeconfig Secrets, shared by core and the kubeadm providers (ADR 0009).
  {
    folder: 'src/core/secret',
    mayImport: ['src/core/secret', 'src/core/api', 'src/controller-runtime', 'src/pki', 'src/lib'],
  },
  // Topology variables reuse the API server's schema validator (ADR 0013): its pure admission surface only.
  {
    folder: 'src/core/topology/variables',
    mayImport: [
      'src/core',
      'src/controller-runtime',
      'src/pki',
      'src/apiserver/admission/index.js',
      'src/lib',
    ],
  },
  // Helpers every Machine-owning controller shares, core's and the providers' (ADR 0010).
  {
    folder: 'src/core/util',
    mayImport: ['src/core/util', 'src/core/api', 'src/controller-runtime', 'src/lib'],
  },
  {
    folder: 'src/providers/*',
    mayImport: [
      '<self>',
      'src/core/api',
      'src/core/contract',
      'src/core/secret',
      'src/core/util',
      'src/controller-runtime',
      'src/pki',
      'src/lib',
    ],
  },
  // KubeadmControlPlane embeds KubeadmConfigSpec, as upstream's API does (ADR 0007): API types only.
  {
    folder: 'src/providers/control-plane-kubeadm',
    mayImport: [
      'src/providers/control-plane-kubeadm',
      'src/providers/bootstrap-kubeadm/api',
      'src/core/api',
      'src/core/contract',
      'src/core/secret',
      'src/core/util',
      'src/controller-runtime',
      'src/pki',
      'src/lib',
    ],
  },
  {
    folder: 'src/providers/infrastructure-dev/backends/in-memory',
    mayImport: [
      'src/providers/infrastructure-dev',
      'src/core/api',
      'src/core/contract',
      'src/core/secret',
      'src/core/util',
      'src/controller-runtime',
      'src/pki',
      'src/apiserver',
      'src/lib',
    ],
  },
  // The read-only fleet dashboard (ADR 0016): reads through the client and clusterctl's describe library; never
  // reconcilers or providers' internals (provider kinds are read as plain objects).
  {
    folder: 'src/dashboard',
    mayImport: ['src/dashboard', 'src/clusterctl', 'src/controller-runtime', 'src/core/api', 'src/lib'],
  },
  // Composition roots may import anything inside src/.
  { folder: 'src/cli', mayImport: ['src', 'src/lib'] },
  { folder: 'src/main', mayImport: ['src', 'src/lib'] },
  // Anything else in src/ (shared leaves such as src/version.ts) stays inside src/.
  { folder: 'src', mayImport: ['src', 'src/lib'] },
];

const toPosix = (p) => p.split(path.sep).join('/');
const within = (file, folder) => file === folder || file.startsWith(folder + '/');

/** Finds the layer of a repository-relative path, expanding `src/providers/*`. */
export function layerOf(relFile) {
  let best;
  for (const layer of layers) {
    let folder = layer.folder;
    let self;
    if (folder.endsWith('/*')) {
      const base = folder.slice(0, -2);
      if (!within(relFile, base)) continue;
      const name = relFile.slice(base.length + 1).split('/')[0];
      if (!name || !relFile.slice(base.length + 1).includes('/')) continue;
      folder = `${base}/${name}`;
      self = folder;
    }
    if (!within(relFile, folder)) continue;
    // On a tie, the later (more specific, hand-written) entry wins over the `src/providers/*` pattern.
    if (!best || folder.length >= best.folder.length) {
      best = { folder, mayImport: layer.mayImport.map((m) => (m === '<self>' ? self : m)) };
    }
  }
  return best;
}

/** @type {import('eslint').Rule.RuleModule} */
export const importBoundariesRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Keep the layering of docs/architecture.md' },
    schema: [{ type: 'object', properties: { root: { type: 'string' } }, additionalProperties: false }],
    messages: {
      forbidden:
        '{{from}} may not import {{to}} (allowed: {{allowed}}). See docs/architecture.md, "Import rules".',
    },
  },
  create(context) {
    const root = context.options[0]?.root ?? context.cwd;
    const relFile = toPosix(path.relative(root, context.filename));
    const layer = layerOf(relFile);
    if (!layer) return {};
    const check = (node, source) => {
      if (!source || typeof source.value !== 'string' || !source.value.startsWith('.')) return;
      const target = toPosix(path.relative(root, path.resolve(path.dirname(context.filename), source.value)));
      if (layer.mayImport.some((allowed) => within(target, allowed))) return;
      context.report({
        node,
        messageId: 'forbidden',
        data: { from: layer.folder, to: target, allowed: layer.mayImport.join(', ') },
      });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source : undefined),
    };
  },
};

export const boundariesPlugin = { rules: { 'import-boundaries': importBoundariesRule } };
