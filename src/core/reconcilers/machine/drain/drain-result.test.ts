import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type DrainResult, drainCompleted, drainConditionMessage, emptyDrainResult } from './drain-result.js';
import type { Pod } from './drain-types.js';

const pod = (name: string, namespace = 'default'): Pod => ({ metadata: { name, namespace } });
const pods = (prefix: string, n: number): Pod[] =>
  Array.from({ length: n }, (_, i) => pod(`${prefix}-${i + 1}`));
const started = new Date('2024-10-09T16:13:59.123Z');
const result = (r: Partial<DrainResult>): DrainResult => {
  const full = { ...emptyDrainResult(), ...r };
  return { ...full, done: drainCompleted(full) };
};
const PDB =
  "Cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently";

describe('drainConditionMessage', () => {
  it('is empty once the drain is complete; ignored and vanished Pods do not hold it up', () => {
    const r = result({ podsIgnored: [pod('kube-proxy-x', 'kube-system')], podsNotFound: [pod('gone')] });
    assert.equal(r.done, true);
    assert.equal(drainConditionMessage(r, started), '');
  });

  it('names terminating Pods, budget refusals, other failures and what comes later', () => {
    const r = result({
      podsDeletionTimestampSet: [pod('web-1'), pod('web-2')],
      podsFailedEviction: { [PDB]: [pod('web-3')], 'some other error': [pod('db-0', 'data')] },
      podsToTriggerEvictionLater: [pod('late-1'), pod('late-2')],
    });
    assert.equal(r.done, false);
    assert.equal(
      drainConditionMessage(r, started),
      [
        'Drain not completed yet (started at 2024-10-09T16:13:59Z):',
        '* Pods default/web-1, default/web-2: deletionTimestamp set, but still not removed from the Node',
        "* Pod default/web-3: cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently",
        '* Pod data/db-0: failed to evict Pod, some other error',
        'After above Pods have been removed from the Node, the following Pods will be evicted: default/late-1, default/late-2',
      ].join('\n'),
    );
  });

  it('names at most three Pods a line and five failure reasons, counting the rest', () => {
    const failures: Record<string, Pod[]> = { [PDB]: pods('guarded', 6) };
    for (let i = 1; i <= 6; i++) failures[`some other error ${i}`] = [pod(`broken-${i}`)];
    failures['some other error 7'] = [pod('broken-7a'), pod('broken-7b')];
    const r = result({
      podsIgnored: [pod('ignored')],
      podsNotFound: [pod('not-found')],
      podsDeletionTimestampSet: pods('terminating', 7),
      podsFailedEviction: failures,
      podsToTriggerEvictionLater: pods('later', 5),
      podsToWaitCompletedNow: [pod('job-1')],
      podsToWaitCompletedLater: [pod('job-2')],
    });
    assert.equal(
      drainConditionMessage(r, started),
      [
        'Drain not completed yet (started at 2024-10-09T16:13:59Z):',
        '* Pods default/terminating-1, default/terminating-2, default/terminating-3, ... (4 more): deletionTimestamp set, but still not removed from the Node',
        "* Pods default/guarded-1, default/guarded-2, default/guarded-3, ... (3 more): cannot evict pod as it would violate the pod's disruption budget. The disruption budget web needs 2 healthy pods and has 2 currently",
        '* Pod default/broken-1: failed to evict Pod, some other error 1',
        '* Pod default/broken-2: failed to evict Pod, some other error 2',
        '* Pod default/broken-3: failed to evict Pod, some other error 3',
        '* Pod default/broken-4: failed to evict Pod, some other error 4',
        // Reasons 5, 6 and 7 (sorted after the budget's and 1-4): 1 + 1 + 2 Pods.
        '* 4 Pods with other issues',
        '* Pod default/job-1: waiting for completion',
        'After above Pods have been removed from the Node, the following Pods will be evicted: default/later-1, default/later-2, default/later-3, ... (2 more)',
        'After above Pods have been removed from the Node, waiting for the following Pods to complete without eviction: default/job-2',
      ].join('\n'),
    );
  });

  it('says "1 Pod with other issues" for a single skipped Pod', () => {
    const failures: Record<string, Pod[]> = {};
    for (let i = 1; i <= 6; i++) failures[`error ${i}`] = [pod(`p-${i}`)];
    const lines = drainConditionMessage(result({ podsFailedEviction: failures }), started).split('\n');
    assert.equal(lines.length, 1 + 5 + 1);
    assert.equal(lines.at(-1), '* 1 Pod with other issues');
  });

  it('is not fooled by a waiting Pod alone: the drain is not complete', () => {
    const r = result({ podsToWaitCompletedNow: [pod('job')] });
    assert.equal(r.done, false);
    assert.equal(
      drainConditionMessage(r, started),
      'Drain not completed yet (started at 2024-10-09T16:13:59Z):\n* Pod default/job: waiting for completion',
    );
  });
});
