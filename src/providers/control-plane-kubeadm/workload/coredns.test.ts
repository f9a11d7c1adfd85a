import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import type { KubeObject } from '../../../controller-runtime/api/object.js';
import { FakeClient } from '../../../controller-runtime/helpers/testing/fake-client.js';
import { KubeadmControlPlaneAnnotation } from '../api/index.js';
import { desiredCoreDNSImage, updateCoreDNS } from './coredns.js';
import { COREFILE, coreDNSConfigMap, coreDNSDeployment, kcp, kubeadmConfigMap } from './test-helpers.js';
import { isCoreDNSUpgradeError } from './workload-errors.js';

/** Parsed YAML, walked in assertions. */
type Tree = { [key: string]: Tree | undefined };

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' };
const DEPLOYMENT = { apiVersion: 'apps/v1', kind: 'Deployment' };
const COREDNS = { namespace: 'kube-system', name: 'coredns' };

interface DeploymentShape {
  spec: {
    template: {
      spec: {
        containers: { image: string }[];
        volumes?: { configMap: { items: { key: string }[] } }[];
      };
    };
  };
}

function cluster(image = 'registry.k8s.io/coredns/coredns:v1.11.3', version = 'v1.33.0'): FakeClient {
  const fake = new FakeClient();
  fake.seed(kubeadmConfigMap(version));
  fake.seed(coreDNSConfigMap());
  fake.seed(coreDNSDeployment(image));
  return fake;
}

const deployment = (fake: FakeClient) => fake.peek<KubeObject & DeploymentShape>(DEPLOYMENT, COREDNS)!;
const dnsKcp = (dns: { imageTag?: string; imageRepository?: string }, annotations?: Record<string, string>) =>
  kcp('v1.34.0', { clusterConfiguration: { dns } }, annotations);

describe('desiredCoreDNSImage', () => {
  it("takes the repository from dns, then the cluster's, then the running image; the tag from dns", () => {
    const running = 'registry.k8s.io/coredns/coredns:v1.11.3';
    assert.equal(
      desiredCoreDNSImage(running, { dns: { imageTag: 'v1.12.1' } }).image,
      'registry.k8s.io/coredns/coredns:v1.12.1',
    );
    assert.equal(
      desiredCoreDNSImage(running, { imageRepository: 'mirror.io/k8s/', dns: { imageTag: 'v1.12.1' } }).image,
      'mirror.io/k8s/coredns:v1.12.1',
    );
    assert.equal(
      desiredCoreDNSImage(running, { imageRepository: 'mirror.io/k8s', dns: { imageRepository: 'dns.io' } })
        .image,
      'dns.io/coredns:v1.11.3',
    );
    // The old image name on kubeadm's registries moves to coredns/coredns from 1.8.0.
    assert.equal(
      desiredCoreDNSImage('k8s.gcr.io/coredns:1.7.0', {
        imageRepository: 'registry.k8s.io',
        dns: { imageTag: 'v1.8.0' },
      }).image,
      'registry.k8s.io/coredns/coredns:v1.8.0',
    );
  });
});

describe('updateCoreDNS', () => {
  it('records the image in kubeadm-config, backs the Corefile up, and moves the Deployment to the new image', async () => {
    const fake = cluster();
    const result = await updateCoreDNS(fake, dnsKcp({ imageTag: 'v1.12.1' }));
    assert.deepEqual(result, {
      changed: true,
      fromImage: 'registry.k8s.io/coredns/coredns:v1.11.3',
      toImage: 'registry.k8s.io/coredns/coredns:v1.12.1',
    });
    const cc = parse(
      fake.peek<KubeObject & { data: Record<string, string> }>(CONFIG_MAP, {
        namespace: 'kube-system',
        name: 'kubeadm-config',
      })!.data.ClusterConfiguration!,
    ) as Tree;
    assert.deepEqual(cc.dns, { imageTag: 'v1.12.1' });
    assert.deepEqual(fake.peek<KubeObject & { data: unknown }>(CONFIG_MAP, COREDNS)!.data, {
      Corefile: COREFILE,
      'Corefile-backup': COREFILE,
    });
    const d = deployment(fake);
    assert.equal(d.spec.template.spec.containers[0]!.image, 'registry.k8s.io/coredns/coredns:v1.12.1');
    assert.equal(
      d.spec.template.spec.volumes![0]!.configMap.items[0]!.key,
      'Corefile',
      'the volume points back at Corefile',
    );
    // In between, the Deployment pointed at the backup while the Corefile was rewritten.
    const patches = fake.requestsOf('patch').map((r) => JSON.stringify(r.patch));
    assert.match(patches[0]!, /Corefile-backup/);

    fake.clearRequests();
    assert.deepEqual(await updateCoreDNS(fake, dnsKcp({ imageTag: 'v1.12.1' })), { changed: false });
    assert.deepEqual(fake.writes(), []);
  });

  it('passes the Corefile through the migration between the two releases', async () => {
    const fake = cluster();
    const calls: string[] = [];
    await updateCoreDNS(fake, dnsKcp({ imageTag: 'v1.12.1' }), {
      migrateCorefile: (from, to, corefile) => {
        calls.push(`${from}->${to}`);
        return corefile + '# migrated\n';
      },
    });
    assert.deepEqual(calls, ['1.11.3->1.12.1']);
    assert.deepEqual(fake.peek<KubeObject & { data: unknown }>(CONFIG_MAP, COREDNS)!.data, {
      Corefile: COREFILE + '# migrated\n',
      'Corefile-backup': COREFILE,
    });
  });

  it('refuses a downgrade and a release the migration does not know, changing nothing', async () => {
    for (const [image, tag, problem] of [
      ['registry.k8s.io/coredns/coredns:v1.12.1', 'v1.11.3', 'Downgrade'],
      ['registry.k8s.io/coredns/coredns:v1.8.2', 'v1.9.0', 'UnsupportedVersion'],
      ['registry.k8s.io/coredns/coredns:latest', 'v1.12.1', 'InvalidImageTag'],
    ] as const) {
      const fake = cluster(image);
      await assert.rejects(
        updateCoreDNS(fake, dnsKcp({ imageTag: tag })),
        (err: unknown) => isCoreDNSUpgradeError(err) && err.problem === problem,
        `${image} -> ${tag}`,
      );
      assert.deepEqual(fake.writes(), [], `${image} -> ${tag}`);
    }
  });

  it('does nothing with the skip annotation, without clusterConfiguration, without CoreDNS, or when already there', async () => {
    const skip = { [KubeadmControlPlaneAnnotation.SkipCoreDNS]: '' };
    const fake = cluster();
    assert.deepEqual(await updateCoreDNS(fake, dnsKcp({ imageTag: 'v1.12.1' }, skip)), { changed: false });
    assert.deepEqual(await updateCoreDNS(fake, kcp('v1.34.0')), { changed: false });
    assert.deepEqual(await updateCoreDNS(fake, dnsKcp({ imageTag: 'v1.11.3' })), { changed: false });
    assert.deepEqual(fake.writes(), []);
    const empty = new FakeClient();
    assert.deepEqual(await updateCoreDNS(empty, dnsKcp({ imageTag: 'v1.12.1' })), { changed: false });
  });
});
