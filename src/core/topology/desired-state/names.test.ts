import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isNameTemplateError } from './errors.js';
import {
  DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE,
  renderName,
  simpleName,
  templateNamePrefix,
} from './names.js';

const fixed = () => 'x7k2p';

describe('renderName', () => {
  it('renders the default MachineDeployment template with the topology name and the random part', () => {
    const name = renderName({
      subject: { object: 'MachineDeployment', topologyName: 'md-0' },
      template: undefined,
      defaultTemplate: DEFAULT_MACHINE_DEPLOYMENT_NAME_TEMPLATE,
      clusterName: 'c1',
      data: { machineDeployment: { topologyName: 'md-0' } },
      random: fixed,
    });
    assert.equal(name, 'c1-md-0-x7k2p');
  });

  it('uses the class template when set, Go functions included', () => {
    const name = renderName({
      subject: { object: 'ControlPlane' },
      template: '{{ .cluster.name | upper }}-cp-{{ .random }}',
      defaultTemplate: 'unused',
      clusterName: 'c1',
      random: fixed,
    });
    assert.equal(name, 'C1-cp-x7k2p');
  });

  it('cuts names over 63 characters and appends a fresh random suffix', () => {
    const name = renderName({
      subject: { object: 'ControlPlane' },
      template: '{{ .cluster.name }}-{{ .random }}',
      defaultTemplate: 'unused',
      clusterName: 'a'.repeat(70),
      random: fixed,
    });
    assert.equal(name, `${'a'.repeat(58)}x7k2p`);
  });

  it('fails with a typed error naming the object for a missing key (missingkey=error)', () => {
    assert.throws(
      () =>
        renderName({
          subject: { object: 'MachineDeployment', topologyName: 'md-0' },
          template: '{{ .cluster.nope }}-{{ .random }}',
          defaultTemplate: 'unused',
          clusterName: 'c1',
          random: fixed,
        }),
      (err: unknown) =>
        isNameTemplateError(err) &&
        err.subject.topologyName === 'md-0' &&
        err.template === '{{ .cluster.nope }}-{{ .random }}' &&
        /MachineDeployment for topology "md-0"/.test(err.message),
    );
  });

  it('fails with a typed error for a template that does not parse', () => {
    assert.throws(
      () =>
        renderName({
          subject: { object: 'InfrastructureCluster' },
          template: '{{ .cluster.name ',
          defaultTemplate: 'unused',
          clusterName: 'c1',
        }),
      (err: unknown) => isNameTemplateError(err) && err.subject.object === 'InfrastructureCluster',
    );
  });
});

describe('simpleName', () => {
  it('is the prefix plus five random characters', () => {
    assert.match(simpleName(templateNamePrefix('c1', 'md-0')), /^c1-md-0-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    assert.equal(simpleName(templateNamePrefix('c1'), fixed), 'c1-x7k2p');
  });
});
