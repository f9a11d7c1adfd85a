import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
// The very rule object the project's eslint.config.mjs applies during `npm test`.
import { boundaries } from '../../eslint.config.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function violations(file: string, specifier: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: root,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, boundaries],
  });
  const [result] = await eslint.lintText(`import { x } from '${specifier}';\nexport const y = x;\n`, {
    filePath: path.join(root, file),
  });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'capi/import-boundaries').map((m) => m.message);
}

describe('import boundaries (docs/architecture.md)', () => {
  const forbidden: [string, string][] = [
    ['src/apiserver/http/server.ts', '../../core/api/v1beta2/cluster.js'],
    ['src/apiserver/storage/store.ts', '../../controller-runtime/client/client.js'],
    ['src/controller-runtime/client/client.ts', '../../core/contract/machine.js'],
    ['src/pki/ca.ts', '../apiserver/http/server.js'],
    ['src/core/reconcilers/machine/machine-reconciler.ts', '../../../providers/bootstrap-kubeadm/api/x.js'],
    ['src/core/api/v1beta2/machine.ts', '../../../controller-runtime/client/client.js'],
    ['src/providers/bootstrap-kubeadm/reconcilers/r.ts', '../../control-plane-kubeadm/api/kcp.js'],
    ['src/providers/bootstrap-kubeadm/reconcilers/r.ts', '../../../core/reconcilers/machine/m.js'],
    ['src/providers/infrastructure-dev/reconcilers/r.ts', '../../../apiserver/http/server.js'],
    ['src/providers/control-plane-kubeadm/api/kcp.ts', '../../bootstrap-kubeadm/reconcilers/r.js'],
    ['src/providers/control-plane-kubeadm/api/kcp.ts', '../../infrastructure-dev/api/dev-machine.js'],
    ['src/core/reconcilers/cluster/c.ts', '../../../../test/e2e/helpers.js'],
    // The shared Secrets module stays below the reconcilers and knows no provider (ADR 0009).
    ['src/core/secret/cluster-certificates.ts', '../reconcilers/cluster/cluster-reconciler.js'],
    ['src/core/secret/cluster-certificates.ts', '../contract/accessors.js'],
    ['src/core/secret/cluster-certificates.ts', '../../providers/bootstrap-kubeadm/api/kubeadm-types.js'],
    // The shared Machine helpers stay a leaf below core's reconcilers and the providers (ADR 0010).
    ['src/core/util/machine-versions.ts', '../reconcilers/machine-set/machine-set-status.js'],
    ['src/core/util/machine-versions.ts', '../secret/index.js'],
    ['src/core/util/template-clone.ts', '../../providers/infrastructure-dev/api/dev-machine.js'],
    ['src/providers/control-plane-kubeadm/reconcilers/r.ts', '../../../core/cluster-cache/index.js'],
    // Only src/core/topology/variables may reuse the admission module, and only through its surface (ADR 0013).
    ['src/core/webhooks/cluster-webhook.ts', '../../apiserver/admission/index.js'],
    ['src/core/topology/other/o.ts', '../../../apiserver/admission/index.js'],
    ['src/core/topology/variables/v.ts', '../../../apiserver/admission/schema-validator.js'],
    ['src/core/topology/variables/v.ts', '../../../apiserver/http/server.js'],
    // src/lib is a leaf: it imports nothing of the layers that use it (ADR 0014).
    ['src/lib/go-quote.ts', '../apiserver/util/go-format.js'],
    ['src/lib/go-quote.ts', '../core/api/v1beta2/group.js'],
    // The fleet dashboard reads; it never reaches into controllers, providers or the API server (ADR 0016).
    ['src/dashboard/views/machine-view.ts', '../../core/reconcilers/machine/machine-reconciler.js'],
    ['src/dashboard/dashboard-server.ts', '../providers/infrastructure-dev/api/dev-machine.js'],
    ['src/dashboard/dashboard-server.ts', '../apiserver/http/server.js'],
    ['src/dashboard/dashboard-server.ts', '../main/up.js'],
  ];
  for (const [file, specifier] of forbidden) {
    it(`refuses ${file} importing ${specifier}`, async () => {
      const messages = await violations(file, specifier);
      assert.equal(messages.length, 1, `expected one violation, got ${JSON.stringify(messages)}`);
      assert.match(messages[0] ?? '', /may not import/);
    });
  }

  const allowed: [string, string][] = [
    ['src/apiserver/http/server.ts', '../storage/store.js'],
    ['src/apiserver/http/tls.ts', '../../pki/ca.js'],
    ['src/core/reconcilers/machine/machine-reconciler.ts', '../../../controller-runtime/client/client.js'],
    ['src/providers/bootstrap-kubeadm/reconcilers/r.ts', '../../../core/api/v1beta2/machine.js'],
    ['src/providers/bootstrap-kubeadm/reconcilers/r.ts', '../api/kubeadm-config.js'],
    ['src/providers/control-plane-kubeadm/api/kcp.ts', '../../bootstrap-kubeadm/api/kubeadm-config.js'],
    ['src/providers/control-plane-kubeadm/reconcilers/r.ts', '../api/kcp.js'],
    ['src/providers/control-plane-kubeadm/reconcilers/r.ts', '../../../core/secret/index.js'],
    ['src/providers/bootstrap-kubeadm/reconcilers/r.ts', '../../../core/secret/index.js'],
    ['src/core/reconcilers/cluster/c.ts', '../../secret/index.js'],
    ['src/providers/control-plane-kubeadm/internal/status.ts', '../../../core/util/index.js'],
    ['src/providers/control-plane-kubeadm/reconcilers/r.ts', '../../../core/util/index.js'],
    ['src/providers/infrastructure-dev/reconcilers/r.ts', '../../../core/util/index.js'],
    ['src/core/reconcilers/machine-set/m.ts', '../../util/index.js'],
    ['src/core/util/machine-versions.ts', '../api/version.js'],
    ['src/core/util/machine-messages.ts', '../../controller-runtime/conditions/index.js'],
    ['src/core/secret/cluster-certificates.ts', '../../pki/index.js'],
    ['src/core/secret/cluster-certificates.ts', '../api/v1beta2/well-known.js'],
    ['src/core/secret/cluster-certificates.ts', '../../controller-runtime/client/client.js'],
    ['src/providers/infrastructure-dev/backends/in-memory/w.ts', '../../../../apiserver/http/server.js'],
    ['src/cli/program.ts', '../providers/infrastructure-dev/api/dev-cluster.js'],
    ['src/main/up.ts', '../apiserver/http/server.js'],
    ['src/core/topology/variables/v.ts', '../../../apiserver/admission/index.js'],
    ['src/core/topology/variables/v.ts', '../../webhooks/util/object.js'],
    ['src/apiserver/util/go-format.ts', '../../lib/go-quote.js'],
    ['src/core/util/go-template/v.ts', '../../../lib/go-quote.js'],
    ['src/providers/infrastructure-dev/reconcilers/r.ts', '../../../lib/go-quote.js'],
    ['src/dashboard/views/machine-view.ts', '../../clusterctl/describe/machine-timeline.js'],
    ['src/dashboard/dashboard-server.ts', '../controller-runtime/client/client.js'],
    ['src/dashboard/views/format.ts', '../../core/api/v1beta2/well-known.js'],
  ];
  for (const [file, specifier] of allowed) {
    it(`allows ${file} importing ${specifier}`, async () => {
      assert.deepEqual(await violations(file, specifier), []);
    });
  }
});
