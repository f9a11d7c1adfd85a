import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MachineDrainRuleLike, Pod } from './drain-types.js';
import { DrainError } from './drain-types.js';
import {
  machineDrainRuleAppliesToMachine,
  machineDrainRulesForMachine,
  podDrainBehavior,
} from './machine-drain-rules.js';

type Spec = MachineDrainRuleLike['spec'];
const rule = (name: string, spec: Spec): MachineDrainRuleLike => ({ metadata: { name }, spec });
const machine = (labels: Record<string, string>) => ({ metadata: { name: 'm', namespace: 'ns', labels } });
const cluster = (labels: Record<string, string>) => ({ metadata: { name: 'c', namespace: 'ns', labels } });
const pod = (name: string, labels: Record<string, string> = {}, namespace = 'apps'): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels },
  spec: { nodeName: 'n', containers: [] },
});

describe('MachineDrainRules: which apply to a Machine', () => {
  const worker = machine({ role: 'worker', os: 'linux' });
  const prod = cluster({ stage: 'production' });

  it('applies a rule without machines to every Machine', () => {
    assert.equal(
      machineDrainRuleAppliesToMachine(rule('all', { drain: { behavior: 'Skip' } }), worker, prod),
      true,
    );
  });

  it('needs selector and clusterSelector of one entry to match; entries are ORed', () => {
    const both = rule('both', {
      drain: { behavior: 'Skip' },
      machines: [
        { selector: { matchLabels: { role: 'worker' } }, clusterSelector: { matchLabels: { stage: 'dev' } } },
      ],
    });
    assert.equal(machineDrainRuleAppliesToMachine(both, worker, prod), false, 'the Cluster does not match');
    assert.equal(machineDrainRuleAppliesToMachine(both, worker, cluster({ stage: 'dev' })), true);

    const either = rule('either', {
      drain: { behavior: 'Skip' },
      machines: [
        { selector: { matchExpressions: [{ key: 'cluster.x-k8s.io/control-plane', operator: 'Exists' }] } },
        {
          selector: { matchLabels: { os: 'linux' } },
          clusterSelector: { matchExpressions: [{ key: 'stage', operator: 'In', values: ['production'] }] },
        },
      ],
    });
    assert.equal(machineDrainRuleAppliesToMachine(either, worker, prod), true, 'the second entry matches');
    assert.equal(machineDrainRuleAppliesToMachine(either, worker, cluster({ stage: 'dev' })), false);
    assert.equal(
      machineDrainRuleAppliesToMachine(
        either,
        machine({ 'cluster.x-k8s.io/control-plane': '' }),
        cluster({}),
      ),
      true,
      'the first entry matches control plane Machines of any Cluster',
    );
  });

  it('returns the applying rules sorted by name, so the alphabetically first decides', () => {
    const rules = [
      rule('zz-last', { drain: { behavior: 'Drain', order: 1 } }),
      rule('other-machines', {
        drain: { behavior: 'Skip' },
        machines: [{ selector: { matchLabels: { role: 'cp' } } }],
      }),
      rule('aa-first', { drain: { behavior: 'Drain', order: 5 } }),
    ];
    assert.deepEqual(
      machineDrainRulesForMachine(rules, worker, prod).map((r) => r.metadata.name),
      ['aa-first', 'zz-last'],
    );
  });

  it('fails when a rule has a selector that does not parse', () => {
    const rules = [
      rule('broken', {
        drain: { behavior: 'Skip' },
        pods: [{ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: [] }] } }],
      }),
    ];
    assert.throws(
      () => machineDrainRulesForMachine(rules, worker, prod),
      (err: unknown) =>
        err instanceof DrainError &&
        err.message.startsWith(
          'failed to get matching MachineDrainRules: invalid selectors in MachineDrainRule broken: spec.pods[0].selector: Invalid value:',
        ) &&
        err.message.includes("for 'in', 'notin' operators, values set can't be empty"),
    );
  });
});

describe('MachineDrainRules: behaviour and order of a Pod', () => {
  const ns = { 'kubernetes.io/metadata.name': 'apps', team: 'a' };

  it('drains with order 0 when no rule matches', () => {
    assert.deepEqual(podDrainBehavior(pod('p'), [], ns), { behavior: 'Drain', order: 0, reason: 'Okay' });
  });

  it('takes behaviour and order from the first matching rule (pod selector AND namespace selector)', () => {
    const rules = [
      rule('a-other-team', {
        drain: { behavior: 'Skip' },
        pods: [
          { selector: { matchLabels: { app: 'db' } }, namespaceSelector: { matchLabels: { team: 'b' } } },
        ],
      }),
      rule('b-db-late', {
        drain: { behavior: 'Drain', order: 100 },
        pods: [{ selector: { matchLabels: { app: 'db' } } }],
      }),
      rule('c-everything-early', { drain: { behavior: 'Drain', order: -5 } }),
    ];
    assert.deepEqual(podDrainBehavior(pod('db-0', { app: 'db' }), rules, ns), {
      behavior: 'Drain',
      order: 100,
      reason: 'Okay',
    });
    assert.equal(podDrainBehavior(pod('db-0', { app: 'db' }), rules, { team: 'b' }).behavior, 'Skip');
    assert.equal(podDrainBehavior(pod('web-0', { app: 'web' }), rules, ns).order, -5);
  });

  it('gives WaitCompleted Pods order 0 and Skip Pods none', () => {
    const waiting = podDrainBehavior(
      pod('job'),
      [rule('wait', { drain: { behavior: 'WaitCompleted' } })],
      ns,
    );
    assert.deepEqual(waiting, { behavior: 'WaitCompleted', order: 0, reason: 'WaitCompleted' });
    const skipped = podDrainBehavior(pod('agent'), [rule('skip', { drain: { behavior: 'Skip' } })], ns);
    assert.deepEqual(skipped, { behavior: 'Skip', reason: 'Skip' });
  });

  it('lets the Pod label cluster.x-k8s.io/drain override every rule', () => {
    const rules = [rule('late', { drain: { behavior: 'Drain', order: 10 } })];
    const label = (value: string) =>
      podDrainBehavior(pod('p', { 'cluster.x-k8s.io/drain': value }), rules, ns);
    assert.equal(label('skip').behavior, 'Skip');
    assert.equal(label('Skip').behavior, 'Skip');
    assert.equal(label('wait-completed').behavior, 'WaitCompleted');
    assert.equal(label('WaitCompleted').behavior, 'WaitCompleted');
    assert.equal(label('wait-completed').order, 0, 'not the order of the rule');
    assert.deepEqual(
      label('drain-me'),
      { behavior: 'Drain', order: 10, reason: 'Okay' },
      'unknown values are ignored',
    );
  });

  it('cannot decide for a Pod whose Namespace does not exist', () => {
    const rules = [rule('any', { drain: { behavior: 'Skip' } })];
    assert.deepEqual(podDrainBehavior(pod('p'), rules, undefined), {
      reason: 'Error',
      message: 'Pod Namespace does not exist',
    });
  });
});
