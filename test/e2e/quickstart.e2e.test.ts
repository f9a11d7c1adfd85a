import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startCapiUp } from './helpers/capi-process.js';
import { findKubectl, Kubectl } from './helpers/kubectl.js';

const KUBECTL = findKubectl('kubectl.1.32') ?? findKubectl('kubectl');
const QUICKSTART = fileURLToPath(new URL('../../examples/quickstart.yaml', import.meta.url));

describe(
  'examples/quickstart.yaml on capi up',
  { skip: KUBECTL ? false : 'no kubectl on this machine' },
  () => {
    it('becomes Available, and its kubeconfig lists 6 Ready Nodes with the real kubectl', async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'capi-quickstart-'));
      // Workload endpoints away from the ports the in-process harnesses of other test files use.
      const up = await startCapiUp(dataDir, ['--workload-ports', '40000-40999']);
      try {
        const k = await Kubectl.create(KUBECTL!, up.kubeconfig);
        await k.ok(['apply', '-f', QUICKSTART]);
        await k.ok(['wait', '--for=condition=Available', 'cluster/quickstart', '--timeout=180s'], {
          timeoutMs: 190_000,
        });
        await k.ok(['wait', '--for=condition=Available', 'kcp/quickstart-control-plane', '--timeout=60s'], {
          timeoutMs: 70_000,
        });
        await k.ok(
          ['wait', '--for=jsonpath={.status.availableReplicas}=3', 'md/quickstart-md-0', '--timeout=120s'],
          { timeoutMs: 130_000 },
        );

        const encoded = await k.ok([
          'get',
          'secret',
          'quickstart-kubeconfig',
          '-o',
          'jsonpath={.data.value}',
        ]);
        const workloadKubeconfig = await k.file(
          'quickstart.kubeconfig',
          Buffer.from(encoded, 'base64').toString('utf8'),
        );
        const wl = await Kubectl.create(KUBECTL!, workloadKubeconfig);
        const nodes = (await wl.ok(['get', 'nodes', '--no-headers'])).trim().split('\n');
        assert.equal(nodes.length, 6, nodes.join('\n'));
        for (const line of nodes) assert.match(line, /^\S+\s+Ready\s+/, line);
        const controlPlanes = nodes.filter((l) => /control-plane/.test(l));
        assert.equal(controlPlanes.length, 3, 'three control plane Nodes');
      } finally {
        up.child.kill('SIGTERM');
        await up.exited;
      }
    });
  },
);
