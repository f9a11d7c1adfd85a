import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { migrateCorefile } from './corefile-migration.js';
import { isCoreDNSUpgradeError } from './workload-errors.js';

// kubeadm's default Corefile (as the in-memory backend seeds it).
const KUBEADM_COREFILE = `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
`;

describe('migrateCorefile', () => {
  it("leaves kubeadm's default Corefile as it is between the releases kubeadm deploys", () => {
    assert.equal(migrateCorefile('1.10.1', '1.12.1', KUBEADM_COREFILE), KUBEADM_COREFILE);
    assert.equal(migrateCorefile('1.12.0', '1.12.0', 'anything'), 'anything');
  });

  it('cuts the multi-argument endpoint option of the kubernetes plugin to its first argument', () => {
    const corefile = KUBEADM_COREFILE.replace(
      '       pods insecure',
      '       endpoint https://a:6443 https://b:6443 # two API servers\n       pods insecure',
    ).replace('    prometheus :9153', '    prometheus :9153\n    endpoint x y');
    const migrated = migrateCorefile('1.8.4', '1.9.0', corefile);
    assert.match(migrated, /^ {7}endpoint https:\/\/a:6443 # two API servers$/m);
    // Outside the kubernetes plugin nothing changes.
    assert.match(migrated, /^ {4}endpoint x y$/m);
    assert.equal(migrated.split('\n').length, corefile.split('\n').length);
  });

  it('refuses releases the migration does not know, downgrades, and releases older than 1.8.0', () => {
    const problem = (from: string, to: string) => {
      try {
        migrateCorefile(from, to, KUBEADM_COREFILE);
        return 'none';
      } catch (err) {
        assert.ok(isCoreDNSUpgradeError(err));
        return err.problem;
      }
    };
    assert.equal(problem('1.8.2', '1.9.0'), 'UnsupportedVersion');
    assert.equal(problem('1.12.0', '1.11.3'), 'UnsupportedVersion');
    assert.equal(problem('1.12.0', '1.99.0'), 'UnsupportedVersion');
    assert.equal(problem('1.7.0', '1.8.0'), 'CorefileMigration');
  });
});
