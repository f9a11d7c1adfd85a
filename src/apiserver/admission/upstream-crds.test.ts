/**
 * Compatibility with the upstream Cluster API CRDs (../shared/compat/upstream-cluster-api): every CRD passes
 * kube-apiserver's CRD checks, every version compiles (all CEL rules included), the example manifests validate
 * after pruning and defaulting, and the CRDs' own CEL rules reject what upstream rejects.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { fieldErrorMessage } from '../errors/field-error.js';
import type { JSONSchemaProps, KubeObject } from '../registry/resource-definition.js';
import { type CompiledSchema, compileSchema } from './compiled-schema.js';
import { validateCustomResourceDefinition } from './crd-validation.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const COMPAT = path.resolve(here, '../../../../shared/compat/upstream-cluster-api');
const present = existsSync(path.join(COMPAT, 'crds'));
const SKIP = present
  ? false
  : `upstream fixtures not found at ${COMPAT} (clone outside the shared workspace)`;

interface CrdDoc {
  spec: {
    group: string;
    names: { kind: string };
    versions: {
      name: string;
      schema: { openAPIV3Schema: JSONSchemaProps };
      subresources?: { status?: object };
    }[];
  };
}

function loadCrds(): { file: string; crd: CrdDoc }[] {
  if (!present) return [];
  return readdirSync(path.join(COMPAT, 'crds'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((file) => ({ file, crd: parse(readFileSync(path.join(COMPAT, 'crds', file), 'utf8')) as CrdDoc }));
}

function countRules(s: JSONSchemaProps | undefined): number {
  if (!s) return 0;
  let n = s['x-kubernetes-validations']?.length ?? 0;
  for (const p of Object.values(s.properties ?? {})) n += countRules(p);
  n += countRules(s.items);
  if (typeof s.additionalProperties === 'object') n += countRules(s.additionalProperties);
  return n;
}

/** clusterctl-style substitution: ${VAR}, ${VAR:=default}, ${VAR:-default}. */
const VARS: Record<string, string> = {
  NAMESPACE: 'default',
  CLUSTER_NAME: 'my-cluster',
  KUBERNETES_VERSION: 'v1.31.0',
  CONTROL_PLANE_MACHINE_COUNT: '1',
  WORKER_MACHINE_COUNT: '2',
};
const substitute = (text: string): string =>
  text.replace(
    /\$\{\s*([A-Za-z0-9_]+)\s*(?::[=-]([^}]*))?\}/g,
    (_m, name: string, dflt?: string) => VARS[name] ?? dflt ?? 'x',
  );

const SAMPLE_FILES = [
  'templates/cluster-template-development.yaml',
  'templates/cluster-template-development-mp.yaml',
  'templates/cluster-template-in-memory.yaml',
  'templates/clusterclass-in-memory.yaml',
  'templates/clusterclass-quick-start.yaml',
  'e2e-data/cluster-template-kcp-remediation/cluster-with-kcp.yaml',
  'e2e-data/cluster-template-kcp-remediation/mhc.yaml',
  'e2e-data/cluster-template-kcp-adoption/step1/cluster-with-cp0.yaml',
];

describe('upstream Cluster API CRDs', () => {
  const crds = loadCrds();
  const schemas = new Map<string, CompiledSchema>();
  const schemaFor = (apiVersion: string, kind: string): CompiledSchema => {
    const s = schemas.get(`${apiVersion}/${kind}`);
    assert.ok(s, `no schema for ${apiVersion} ${kind}`);
    return s;
  };

  it(
    'pass validateCustomResourceDefinition and compile every version with all CEL rules',
    { skip: SKIP },
    (t) => {
      let versions = 0;
      let rules = 0;
      for (const { file, crd } of crds) {
        assert.deepEqual(
          validateCustomResourceDefinition(crd as unknown as KubeObject).map(fieldErrorMessage),
          [],
          file,
        );
        for (const v of crd.spec.versions) {
          const compiled = compileSchema(v.schema.openAPIV3Schema, {
            definitionChecks: 'crd',
            statusEnabled: v.subresources?.status !== undefined,
          });
          schemas.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, compiled);
          versions++;
          rules += countRules(v.schema.openAPIV3Schema);
        }
      }
      t.diagnostic(
        `${crds.length} CRDs, ${versions} versions, ${rules} x-kubernetes-validations rules compiled`,
      );
      assert.ok(crds.length >= 20);
      assert.ok(rules > 0);
    },
  );

  it('validate the example manifests after pruning and defaulting', { skip: SKIP }, (t) => {
    let count = 0;
    for (const file of SAMPLE_FILES) {
      const text = substitute(readFileSync(path.join(COMPAT, file), 'utf8'));
      for (const doc of parseAllDocuments(text)) {
        const obj = doc.toJS() as KubeObject | null;
        if (!obj?.kind || !obj.apiVersion || !schemas.has(`${obj.apiVersion}/${obj.kind}`)) continue;
        const s = schemaFor(obj.apiVersion, obj.kind);
        assert.deepEqual(s.prune(obj), [], `${file} ${obj.kind}: unknown fields`);
        s.applyDefaults(obj);
        assert.deepEqual(s.validate(obj).map(fieldErrorMessage), [], `${file} ${obj.kind}`);
        assert.deepEqual(
          s.validate(obj, structuredClone(obj)).map(fieldErrorMessage),
          [],
          `${file} ${obj.kind} (update)`,
        );
        count++;
      }
    }
    t.diagnostic(`${count} objects validated`);
    assert.ok(count >= 20);
  });

  it('reject what the CRDs’ CEL rules reject', { skip: SKIP }, () => {
    const s = schemaFor('bootstrap.cluster.x-k8s.io/v1beta2', 'KubeadmConfig');
    const config = (spec: Record<string, unknown>): KubeObject => ({
      apiVersion: 'bootstrap.cluster.x-k8s.io/v1beta2',
      kind: 'KubeadmConfig',
      metadata: { name: 'c', namespace: 'default' },
      spec,
    });
    const ok = config({
      clusterConfiguration: {
        apiServer: {
          extraArgs: [
            { name: 'a', value: '1' },
            { name: 'b', value: '2' },
          ],
        },
      },
    });
    assert.deepEqual(s.validate(ok), []);
    const duplicate = config({
      clusterConfiguration: {
        apiServer: {
          extraArgs: [
            { name: 'a', value: '1' },
            { name: 'a', value: '2' },
          ],
        },
      },
    });
    assert.deepEqual(s.validate(duplicate).map(fieldErrorMessage), [
      'spec.clusterConfiguration.apiServer.extraArgs: Invalid value: "array": extraArgs name must be unique',
    ]);

    const mhc = schemaFor('cluster.x-k8s.io/v1beta2', 'MachineHealthCheck');
    const check = (type: string): string[] =>
      mhc
        .validate({
          apiVersion: 'cluster.x-k8s.io/v1beta2',
          kind: 'MachineHealthCheck',
          metadata: { name: 'm', namespace: 'default' },
          spec: {
            clusterName: 'c',
            selector: {},
            checks: { unhealthyMachineConditions: [{ type, status: 'False', timeoutSeconds: 60 }] },
          },
        })
        .map(fieldErrorMessage);
    assert.deepEqual(check('MyCondition'), []);
    assert.deepEqual(check('Ready'), [
      'spec.checks.unhealthyMachineConditions[0].type: Invalid value: "string": type must not be one of: Ready, Available, HealthCheckSucceeded, OwnerRemediated, ExternallyRemediated',
    ]);
  });
});
