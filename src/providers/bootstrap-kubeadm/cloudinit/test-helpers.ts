// Shared by this folder's tests: cloud-init itself as the judge of the user data we render.
//
// Our user data starts with `## template: jinja` (see cloud-config.ts). At boot cloud-init first renders such
// user data with Jinja and the instance's metadata, drops that header line and only then parses the remaining
// `#cloud-config` document. `cloud-init schema --config-file` of cloud-init 22.4 (Debian 12) skips that step and
// rejects the file because its first line is not `#cloud-config`. So the judge does what boot does: it renders
// the file with cloud-init's own Jinja handler (`cloudinit.handlers.jinja_template.render_jinja_payload`, run
// by the Python interpreter of the cloud-init executable) and sample instance data, then validates the result
// with `cloud-init schema`. Where that module cannot be imported, it falls back to removing the header line,
// which is what rendering does to a document without Jinja expressions.
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function findOnPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The cloud-init executable, or undefined when it is not installed. */
export const cloudInit = findOnPath('cloud-init');

/** Why the cloud-init tests are skipped, or false when they run. */
export const cloudInitSkip: string | false = cloudInit
  ? false
  : 'cloud-init not found on PATH (Debian package cloud-init; .ci/run installs it)';

/** Metadata the Jinja rendering sees, shaped like cloud-init's instance-data.json. */
export const SAMPLE_INSTANCE_DATA = {
  ds: { meta_data: { hostname: 'node-0.example.com', local_hostname: 'node-0' } },
  v1: { local_hostname: 'node-0', instance_id: 'i-0', cloud_name: 'test' },
};

const RENDER_SCRIPT = `
import json, sys
from cloudinit.handlers.jinja_template import render_jinja_payload
with open(sys.argv[1]) as f:
    payload = f.read()
rendered = render_jinja_payload(payload, sys.argv[1], json.loads(sys.argv[2]), debug=False)
if rendered is None:
    sys.exit("cloud-init did not render the payload")
with open(sys.argv[3], "w") as f:
    f.write(rendered)
`;

/** The interpreter named by the cloud-init executable's `#!` line. */
function cloudInitPython(): string | undefined {
  if (!cloudInit) return undefined;
  const firstLine = readFileSync(cloudInit, 'utf8').split('\n', 1)[0] ?? '';
  return firstLine.startsWith('#!') ? firstLine.slice(2).trim().split(/\s+/)[0] : undefined;
}

export interface CloudInitVerdict {
  valid: boolean;
  /** What `cloud-init schema` printed. */
  output: string;
  /** The user data as cloud-init parses it after Jinja rendering. */
  rendered: string;
  /** How the Jinja header was handled. */
  jinja: 'rendered by cloud-init' | 'header line removed';
}

/** Renders `userData` as cloud-init does at boot, then validates it with `cloud-init schema`. */
export async function validateWithCloudInit(
  userData: string,
  instanceData: object = SAMPLE_INSTANCE_DATA,
): Promise<CloudInitVerdict> {
  if (!cloudInit) throw new Error('cloud-init is not installed');
  const dir = await mkdtemp(path.join(tmpdir(), 'capi-cloudinit-'));
  try {
    const source = path.join(dir, 'user-data');
    const target = path.join(dir, 'cloud-config.yaml');
    await writeFile(source, userData);
    let jinja: CloudInitVerdict['jinja'] = 'rendered by cloud-init';
    const python = cloudInitPython();
    const rendering = python
      ? await run(python, ['-c', RENDER_SCRIPT, source, JSON.stringify(instanceData), target])
      : undefined;
    if (!rendering || rendering.code !== 0) {
      if (rendering && !/ModuleNotFoundError|ImportError/.test(rendering.stderr)) {
        throw new Error(`cloud-init could not render the Jinja template: ${rendering.stderr}`);
      }
      jinja = 'header line removed';
      await writeFile(target, userData.replace(/^## template: jinja\n/, ''));
    }
    const result = await run(cloudInit, ['schema', '--config-file', target]);
    return {
      valid: result.code === 0,
      output: `${result.stdout}${result.stderr}`,
      rendered: await readFile(target, 'utf8'),
      jinja,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Stand-ins for the cluster's key pairs; cloud-init writes them without reading them. */
export const SAMPLE_CERTIFICATES = {
  clusterCA: { cert: pem('CERTIFICATE', 'cluster-ca'), key: pem('RSA PRIVATE KEY', 'cluster-ca-key') },
  etcdCA: { cert: pem('CERTIFICATE', 'etcd-ca'), key: pem('RSA PRIVATE KEY', 'etcd-ca-key') },
  frontProxyCA: {
    cert: pem('CERTIFICATE', 'front-proxy-ca'),
    key: pem('RSA PRIVATE KEY', 'front-proxy-key'),
  },
  serviceAccount: { cert: pem('PUBLIC KEY', 'sa-pub'), key: pem('RSA PRIVATE KEY', 'sa-key') },
};

function pem(label: string, body: string): string {
  return `-----BEGIN ${label}-----\n${Buffer.from(body).toString('base64')}\n-----END ${label}-----\n`;
}
