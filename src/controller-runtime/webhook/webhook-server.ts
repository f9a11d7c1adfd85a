import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jsonPatch from 'fast-json-patch';
import type { Logger } from 'pino';
import type { KubeObject } from '../api/object.js';
import { silentLogger } from '../log/logger.js';
import { isAdmissionDenied } from './field-errors.js';
import {
  type AdmissionRequestInfo,
  type AdmissionWarnings,
  type WebhookRegistration,
  webhookPath,
} from './webhook.js';

/** `admission.k8s.io/v1` AdmissionReview as the API server sends it (fields we use). */
export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  request?: {
    uid: string;
    kind?: { group: string; version: string; kind: string };
    name?: string;
    namespace?: string;
    operation: 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';
    userInfo?: { username?: string; groups?: string[] };
    object?: KubeObject | null;
    oldObject?: KubeObject | null;
    dryRun?: boolean;
    subResource?: string;
  };
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: {
    code: number;
    reason?: string;
    message?: string;
    details?: {
      name?: string;
      group?: string;
      kind?: string;
      causes?: { reason: string; field: string; message: string }[];
    };
  };
  patchType?: 'JSONPatch';
  /** base64 of a JSON patch. */
  patch?: string;
  warnings?: string[];
}

const MAX_BODY_BYTES = 7 * 1024 * 1024;

export interface WebhookServerOptions {
  host: string;
  port: number;
  certificatePem: string;
  privateKeyPem: string;
  logger?: Logger;
}

/**
 * Serves webhook registrations over HTTPS for a real kube-apiserver, as controller-runtime's webhook server
 * does: `POST /mutate-<group>-<version>-<kind>` answers with a JSON patch of what the defaulter changed,
 * `POST /validate-...` allows or denies (422 with field causes, or 403). `/healthz` answers `ok`.
 */
export class WebhookServer {
  readonly #routes = new Map<string, { kind: 'mutate' | 'validate'; registration: WebhookRegistration }>();
  readonly #server: https.Server;
  readonly #log: Logger;

  private constructor(options: WebhookServerOptions, registrations: WebhookRegistration[]) {
    this.#log = options.logger ?? silentLogger();
    for (const registration of registrations) {
      if (registration.defaulter)
        this.#routes.set(webhookPath('mutate', registration.type), { kind: 'mutate', registration });
      if (registration.validator)
        this.#routes.set(webhookPath('validate', registration.type), { kind: 'validate', registration });
    }
    this.#server = https.createServer(
      { cert: options.certificatePem, key: options.privateKeyPem },
      (req, res) => {
        void this.#handle(req, res).catch((err: unknown) => {
          this.#log.error({ err: (err as Error).message }, 'webhook request failed');
          if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end('internal error\n');
        });
      },
    );
  }

  static async start(
    options: WebhookServerOptions,
    registrations: WebhookRegistration[],
  ): Promise<WebhookServer> {
    const server = new WebhookServer(options, registrations);
    await new Promise<void>((resolve, reject) => {
      server.#server.once('error', reject);
      server.#server.listen(options.port, options.host, () => {
        server.#server.off('error', reject);
        resolve();
      });
    });
    return server;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The paths served, for configuration manifests and logs. */
  get paths(): string[] {
    return [...this.#routes.keys()].sort();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'https://webhook').pathname;
    if (path === '/healthz' || path === '/readyz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
      return;
    }
    const route = this.#routes.get(path);
    if (!route) {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end(`no webhook at ${path}\n`);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { Allow: 'POST' }).end();
      return;
    }
    if (!(req.headers['content-type'] ?? '').includes('application/json')) {
      res.writeHead(415, { 'Content-Type': 'text/plain' }).end('expected Content-Type: application/json\n');
      return;
    }
    let review: AdmissionReview;
    try {
      review = JSON.parse(await readBody(req)) as AdmissionReview;
    } catch (err) {
      res
        .writeHead(400, { 'Content-Type': 'text/plain' })
        .end(`bad AdmissionReview: ${(err as Error).message}\n`);
      return;
    }
    if (!review.request?.uid) {
      res.writeHead(400, { 'Content-Type': 'text/plain' }).end('AdmissionReview without request.uid\n');
      return;
    }
    const response =
      route.kind === 'mutate'
        ? await this.#mutate(route.registration, review)
        : await this.#validate(route.registration, review);
    const body: AdmissionReview = { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  }

  async #mutate(registration: WebhookRegistration, review: AdmissionReview): Promise<AdmissionResponse> {
    const request = review.request;
    if (!request) throw new Error('unreachable: request checked');
    const original = request.object;
    if (!original || request.operation === 'DELETE' || !registration.defaulter)
      return { uid: request.uid, allowed: true };
    const mutated = structuredClone(original);
    try {
      await registration.defaulter.default(mutated, info(review));
    } catch (err) {
      return denial(request.uid, err, registration, request.name ?? original.metadata?.name);
    }
    const operations = jsonPatch.compare(original, mutated);
    if (operations.length === 0) return { uid: request.uid, allowed: true };
    return {
      uid: request.uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(operations)).toString('base64'),
    };
  }

  async #validate(registration: WebhookRegistration, review: AdmissionReview): Promise<AdmissionResponse> {
    const request = review.request;
    if (!request) throw new Error('unreachable: request checked');
    const validator = registration.validator;
    const req = info(review);
    let warnings: AdmissionWarnings;
    try {
      if (request.operation === 'CREATE' && request.object)
        warnings = await validator?.validateCreate?.(request.object, req);
      else if (request.operation === 'UPDATE' && request.object && request.oldObject) {
        warnings = await validator?.validateUpdate?.(request.oldObject, request.object, req);
      } else if (request.operation === 'DELETE' && request.oldObject) {
        warnings = await validator?.validateDelete?.(request.oldObject, req);
      }
    } catch (err) {
      return denial(
        request.uid,
        err,
        registration,
        request.name ?? (request.object ?? request.oldObject)?.metadata?.name,
      );
    }
    return { uid: request.uid, allowed: true, ...(warnings?.length ? { warnings } : {}) };
  }
}

function info(review: AdmissionReview): AdmissionRequestInfo {
  const request = review.request;
  return {
    operation: request?.operation === 'CONNECT' ? 'UPDATE' : (request?.operation ?? 'CREATE'),
    userInfo: { username: request?.userInfo?.username ?? '', groups: request?.userInfo?.groups ?? [] },
    dryRun: request?.dryRun ?? false,
    ...(request?.subResource ? { subresource: request.subResource } : {}),
    ...(request?.oldObject ? { oldObject: request.oldObject } : {}),
  };
}

/** A denial as the API server relays it: our Status (code, reason, causes) becomes the client's error. */
function denial(
  uid: string,
  err: unknown,
  registration: WebhookRegistration,
  name: string | undefined,
): AdmissionResponse {
  const group = registration.type.apiVersion.includes('/') ? registration.type.apiVersion.split('/')[0] : '';
  if (isAdmissionDenied(err)) {
    return {
      uid,
      allowed: false,
      status: {
        code: err.code,
        reason: err.reason,
        message: err.message,
        details: {
          name: name ?? err.objectName,
          group,
          kind: registration.type.kind,
          causes: err.causes.map((c) => ({
            reason: c.type,
            field: c.field,
            message: `${c.field}: ${c.detail}`,
          })),
        },
      },
    };
  }
  // Anything else is our bug, not the user's input: say so rather than pretend the object is invalid.
  return {
    uid,
    allowed: false,
    status: {
      code: 500,
      reason: 'InternalError',
      message: `webhook failed: ${err instanceof Error ? err.message : String(err)}`,
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
