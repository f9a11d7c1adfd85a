import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type EtcdAlarm,
  type EtcdAlarmType,
  type EtcdCluster,
  type EtcdMember,
  EtcdServerError,
  GrpcCode,
} from './etcd-cluster.js';

/** Which member of which cluster a connection reached. */
export interface EtcdMemberContext {
  cluster: EtcdCluster;
  memberId: string;
}

/** Request bodies are tiny JSON objects; anything this large is not one. */
const MAX_BODY_BYTES = 1 << 20;

/** grpc-gateway v1's `HTTPStatusFromCode`, which etcd's client port uses for its JSON endpoints. */
const HTTP_STATUS: Record<number, number> = {
  [GrpcCode.OK]: 200,
  [GrpcCode.Canceled]: 408,
  [GrpcCode.Unknown]: 500,
  [GrpcCode.InvalidArgument]: 400,
  [GrpcCode.DeadlineExceeded]: 504,
  [GrpcCode.NotFound]: 404,
  [GrpcCode.AlreadyExists]: 409,
  [GrpcCode.PermissionDenied]: 403,
  [GrpcCode.Unauthenticated]: 401,
  [GrpcCode.ResourceExhausted]: 429,
  [GrpcCode.FailedPrecondition]: 412,
  [GrpcCode.Aborted]: 409,
  [GrpcCode.OutOfRange]: 400,
  [GrpcCode.Unimplemented]: 501,
  [GrpcCode.Internal]: 500,
  [GrpcCode.Unavailable]: 503,
  [GrpcCode.DataLoss]: 500,
};

type Body = Record<string, unknown>;
type Route = (ctx: EtcdMemberContext, body: Body) => Body;

/**
 * The gRPC-gateway endpoints etcd serves on its client port (POST, JSON in the proto3 mapping etcd uses:
 * original field names, 64-bit integers as decimal strings, zero values left out), for the calls the
 * control-plane provider makes. Shapes checked against etcd 3.4.23.
 */
const ROUTES: Record<string, Route> = {
  '/v3/cluster/member/list': ({ cluster, memberId }) => ({
    header: header(cluster, memberId, false),
    ...list('members', cluster.members().map(memberJson)),
  }),
  '/v3/cluster/member/remove': ({ cluster, memberId }, body) => {
    const members = cluster.removeMember(uint64Field(body, 'ID'));
    return { header: header(cluster, memberId, false), ...list('members', members.map(memberJson)) };
  },
  '/v3/maintenance/status': ({ cluster, memberId }) => {
    const s = cluster.status(memberId);
    return omitZero({
      header: header(cluster, memberId, true),
      version: s.version,
      dbSize: String(s.dbSize),
      leader: s.leader || '0',
      raftIndex: String(s.raftIndex),
      raftTerm: String(s.raftTerm),
      raftAppliedIndex: String(s.raftAppliedIndex),
      errors: s.errors,
      dbSizeInUse: String(s.dbSizeInUse),
      isLearner: s.isLearner,
    });
  },
  // etcd 3.4 and 3.5 answer a transfer with an empty object (no header).
  '/v3/maintenance/transfer-leadership': ({ cluster, memberId }, body) => {
    cluster.moveLeader(memberId, uint64Field(body, 'targetID'));
    return {};
  },
  '/v3/maintenance/alarm': ({ cluster }, body) => {
    const action = enumField(body, 'action', ['GET', 'ACTIVATE', 'DEACTIVATE'], 'AlarmRequest_AlarmAction');
    const alarms: EtcdAlarm[] = [];
    if (action === 'GET') alarms.push(...cluster.listAlarms());
    else {
      const alarm = enumField(body, 'alarm', ['NONE', 'NOSPACE', 'CORRUPT'], 'AlarmType');
      const memberId = uint64Field(body, 'memberID');
      if (alarm !== 'NONE') {
        const changed =
          action === 'ACTIVATE'
            ? cluster.activateAlarm(memberId, alarm as EtcdAlarmType)
            : cluster.deactivateAlarm(memberId, alarm as EtcdAlarmType);
        if (changed) alarms.push(changed);
      }
    }
    return list(
      'alarms',
      alarms.map((a) => ({ memberID: a.memberId, alarm: a.alarm })),
    );
  },
};

/**
 * Answers one HTTP request that reached a member's client port (after TLS): the JSON gateway endpoints and
 * `/health`. A member that is not running behaves like a dead process: the connection drops (stopped) or
 * the request never gets an answer (hung).
 */
export function handleEtcdRequest(req: IncomingMessage, res: ServerResponse, ctx: EtcdMemberContext): void {
  const state = ctx.cluster.stateOf(ctx.memberId);
  if (state === 'stopped') {
    req.socket.destroy();
    return;
  }
  if (state === 'hung') {
    req.resume();
    return;
  }
  const path = new URL(req.url ?? '/', 'https://localhost').pathname;
  if (path === '/health') return health(res, ctx);
  const route = ROUTES[path];
  if (!route) return plain(res, 404, 'Not Found\n');
  if (req.method !== 'POST') return plain(res, 405, 'Method Not Allowed\n');
  readBody(req).then(
    (text) => {
      try {
        json(res, 200, route(ctx, parseBody(text)));
      } catch (err) {
        grpcError(res, err);
      }
    },
    (err: unknown) => grpcError(res, err),
  );
}

/**
 * etcd's `/health`: false (503) while an alarm is raised or the member knows no leader. 3.5 added a
 * `reason` (`ALARM NOSPACE`, `RAFT NO LEADER`); 3.4 sends only `health`.
 */
function health(res: ServerResponse, { cluster }: EtcdMemberContext): void {
  const alarm = cluster.alarms()[0];
  const reason = alarm ? `ALARM ${alarm.alarm}` : cluster.leaderId ? '' : 'RAFT NO LEADER';
  const body = cluster.version.startsWith('3.4.')
    ? { health: String(!reason) }
    : { health: String(!reason), reason };
  const text = JSON.stringify(body);
  res.writeHead(reason ? 503 : 200, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

function header(cluster: EtcdCluster, memberId: string, withRevision: boolean): Body {
  return {
    cluster_id: cluster.clusterId,
    member_id: memberId,
    ...(withRevision ? { revision: '1' } : {}),
    raft_term: String(cluster.raftTerm),
  };
}

/** A member as etcd's JSON spells it: `ID`, and only the fields that are set. */
function memberJson(m: EtcdMember): Body {
  return omitZero({
    ID: m.id,
    name: m.name,
    peerURLs: m.peerURLs,
    clientURLs: m.clientURLs,
    isLearner: m.isLearner,
  });
}

function list(key: string, items: Body[]): Body {
  return items.length > 0 ? { [key]: items } : {};
}

/** proto3 JSON leaves out fields holding their zero value. */
function omitZero(body: Body): Body {
  const out: Body = {};
  for (const [k, v] of Object.entries(body)) {
    if (v === '' || v === '0' || v === false || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

class BadRequest extends EtcdServerError {
  constructor(message: string) {
    super(GrpcCode.InvalidArgument, message);
  }
}

function parseBody(text: string): Body {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new BadRequest((err as Error).message);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new BadRequest('the request body must be a JSON object');
  return parsed as Body;
}

/** A uint64 field: a decimal string or a JSON number, as jsonpb accepts; absent is zero. */
function uint64Field(body: Body, field: string): string {
  const v = body[field];
  if (v === undefined || v === null) return '0';
  const text = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : typeof v === 'string' ? v : '';
  if (!/^\d+$/.test(text) || BigInt(text) > 0xffffffffffffffffn)
    throw new BadRequest(`invalid value for uint64 field ${field}: ${JSON.stringify(v)}`);
  return BigInt(text).toString();
}

/** An enum field by name or number, as jsonpb accepts; absent is the first (zero) value. */
function enumField(body: Body, field: string, values: readonly string[], type: string): string {
  const v = body[field];
  if (v === undefined || v === null) return values[0]!;
  if (typeof v === 'number' && values[v] !== undefined) return values[v];
  if (typeof v === 'string' && values.includes(v)) return v;
  throw new BadRequest(`unknown value ${JSON.stringify(v)} for enum etcdserverpb.${type}`);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new EtcdServerError(GrpcCode.ResourceExhausted, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** grpc-gateway's error body: `error` and `message` both carry the text, `code` the gRPC code. */
function grpcError(res: ServerResponse, err: unknown): void {
  const e =
    err instanceof EtcdServerError
      ? err
      : new EtcdServerError(GrpcCode.Unknown, (err as Error)?.message ?? String(err));
  json(res, HTTP_STATUS[e.code] ?? 500, { error: e.message, message: e.message, code: e.code });
}

function json(res: ServerResponse, code: number, body: Body): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function plain(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, {
    'Content-Type': 'text/plain; charset=utf-8',
    'X-Content-Type-Options': 'nosniff',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
