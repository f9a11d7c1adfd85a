import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';

/** gRPC status codes etcd answers with (google.golang.org/grpc/codes). */
export const GrpcCode = {
  OK: 0,
  Canceled: 1,
  Unknown: 2,
  InvalidArgument: 3,
  DeadlineExceeded: 4,
  NotFound: 5,
  AlreadyExists: 6,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  Aborted: 10,
  OutOfRange: 11,
  Unimplemented: 12,
  Internal: 13,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
} as const;

/** A refusal of the simulated etcd server: a gRPC code and etcd's own message (`rpctypes`). */
export class EtcdServerError extends Error {
  override readonly name = 'EtcdServerError';
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The errors etcd's server answers membership and maintenance calls with, worded as etcd words them. */
export const etcdServerErrors = {
  memberNotFound: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.NotFound, 'etcdserver: member not found'),
  peerUrlExists: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.FailedPrecondition, 'etcdserver: Peer URLs already exists'),
  notLeader: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.FailedPrecondition, 'etcdserver: not leader'),
  badLeaderTransferee: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.FailedPrecondition, 'etcdserver: bad leader transferee'),
  unhealthyCluster: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.Unavailable, 'etcdserver: unhealthy cluster'),
  leaderTransferTimeout: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.Unavailable, 'etcdserver: request timed out, leader transfer took too long'),
  requestTimeout: (): EtcdServerError =>
    new EtcdServerError(GrpcCode.Unavailable, 'etcdserver: request timed out'),
};

export type EtcdAlarmType = 'NOSPACE' | 'CORRUPT';

export interface EtcdAlarm {
  memberId: string;
  alarm: EtcdAlarmType;
}

/** A member as `MemberList` shows it. Ids are uint64 in decimal, as etcd's JSON spells them. */
export interface EtcdMember {
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/**
 * What a member's process is doing: `running` answers, `stopped` refuses connections (a crashed or removed
 * member), `hung` accepts connections and never answers (a stuck process, a partitioned node).
 */
export type EtcdMemberState = 'running' | 'stopped' | 'hung';

/** What `Status` reports about one member (numbers that etcd sends as uint64/int64 strings). */
export interface EtcdMemberStatus {
  clusterId: string;
  memberId: string;
  revision: number;
  raftTerm: number;
  version: string;
  dbSize: number;
  /** Empty when the member knows no leader. */
  leader: string;
  raftIndex: number;
  raftAppliedIndex: number;
  /** Active alarms in etcd's `AlarmMember` text form. */
  errors: string[];
  dbSizeInUse: number;
  isLearner: boolean;
}

export interface EtcdClusterOptions {
  /** What `Status.version` reports; the gateway answers `/health` in this version's shape. Default 3.5.16. */
  version?: string;
}

interface MemberRecord extends EtcdMember {
  state: EtcdMemberState;
}

// A fresh etcd's bolt database (what 3.4 and 3.5 report before any write); the simulation stores no keys.
const DB_SIZE = 20480;
const DB_SIZE_IN_USE = 16384;

/**
 * The membership of ONE workload cluster's etcd, as the control-plane provider sees it through the client
 * port of each member: cluster and member ids, the leader, raft term and index, alarms, and which member
 * processes answer. Plain data and no timers, so thousands of clusters fit in one process; elections happen
 * at once when a change needs one (the first voter by join order that is running wins).
 */
export class EtcdCluster {
  readonly clusterId: string;
  readonly version: string;
  readonly #members: MemberRecord[] = [];
  #leader = '';
  #term = 1;
  #index = 0;
  #alarms: EtcdAlarm[] = [];

  constructor(options: EtcdClusterOptions = {}) {
    this.clusterId = randomUint64();
    this.version = options.version ?? '3.5.16';
  }

  /** `https://<ip>:2380` and `https://<ip>:2379`, as kubeadm configures a member on a node. */
  static urlsFor(ip: string): { peerURLs: string[]; clientURLs: string[] } {
    const host = isIPv6(ip) ? `[${ip}]` : ip;
    return { peerURLs: [`https://${host}:2380`], clientURLs: [`https://${host}:2379`] };
  }

  /** Members ordered by id, as etcd lists them. */
  members(): EtcdMember[] {
    return [...this.#members].sort((a, b) => compareIds(a.id, b.id)).map(publicMember);
  }

  member(id: string): EtcdMember | undefined {
    const m = this.#find(id);
    return m && publicMember(m);
  }

  memberByName(name: string): EtcdMember | undefined {
    const m = this.#members.find((x) => x.name === name);
    return m && publicMember(m);
  }

  /** The current leader's id, or empty when no quorum of voters is running. */
  get leaderId(): string {
    return this.#leader;
  }

  get raftTerm(): number {
    return this.#term;
  }

  get raftIndex(): number {
    return this.#index;
  }

  /**
   * A member that joined and started (what `kubeadm join` does for a control-plane node). The first voter
   * becomes leader. Throws `Peer URLs already exists` when another member has one of its peer URLs.
   */
  addMember(options: { name: string; ip: string; isLearner?: boolean }): EtcdMember {
    const urls = EtcdCluster.urlsFor(options.ip);
    if (this.#members.some((m) => m.peerURLs.some((u) => urls.peerURLs.includes(u))))
      throw etcdServerErrors.peerUrlExists();
    let id = randomUint64();
    while (this.#find(id)) id = randomUint64();
    const member: MemberRecord = {
      id,
      name: options.name,
      ...urls,
      isLearner: options.isLearner ?? false,
      state: 'running',
    };
    this.#members.push(member);
    this.#index += 1;
    this.#elect();
    return publicMember(member);
  }

  /**
   * `MemberRemove`. etcd's strict reconfiguration check (on by default) refuses to remove a running voter
   * when the voters left running would be fewer than a quorum of the smaller cluster; a stopped member or a
   * learner can always go (given a leader to commit the change). Removing the leader elects another.
   * Returns the members left.
   */
  removeMember(id: string): EtcdMember[] {
    const target = this.#find(id);
    if (!target) throw etcdServerErrors.memberNotFound();
    if (target.state === 'running' && !target.isLearner) {
      const voters = this.#members.filter((m) => !m.isLearner);
      const running = voters.filter((m) => m.state === 'running').length;
      if (running - 1 < quorum(voters.length - 1)) throw etcdServerErrors.unhealthyCluster();
    }
    // The change is a raft proposal: without a leader it never commits.
    this.#requireQuorum();
    this.#members.splice(this.#members.indexOf(target), 1);
    this.#alarms = this.#alarms.filter((a) => a.memberId !== id);
    this.#index += 1;
    if (this.#leader === id) this.#leader = '';
    this.#elect();
    return this.members();
  }

  /**
   * `MoveLeader` sent to member `via`: only the leader transfers leadership, and only to a voting member;
   * a transferee that is not running makes the transfer time out, as it does on a real cluster.
   */
  moveLeader(via: string, targetId: string): void {
    if (via !== this.#leader) throw etcdServerErrors.notLeader();
    const target = this.#find(targetId);
    if (!target || target.isLearner) throw etcdServerErrors.badLeaderTransferee();
    if (targetId === this.#leader) return;
    if (target.state !== 'running') throw etcdServerErrors.leaderTransferTimeout();
    this.#leader = targetId;
    this.#term += 1;
    this.#index += 1;
  }

  /** `Status` as member `memberId` answers it. */
  status(memberId: string): EtcdMemberStatus {
    const m = this.#find(memberId);
    if (!m) throw etcdServerErrors.memberNotFound();
    return {
      clusterId: this.clusterId,
      memberId,
      revision: 1,
      raftTerm: this.#term,
      version: this.version,
      dbSize: DB_SIZE,
      leader: this.#leader,
      raftIndex: this.#index,
      raftAppliedIndex: this.#index,
      errors: this.#alarms.map((a) => `memberID:${a.memberId} alarm:${a.alarm} `),
      dbSizeInUse: DB_SIZE_IN_USE,
      isLearner: m.isLearner,
    };
  }

  alarms(): EtcdAlarm[] {
    return this.#alarms.map((a) => ({ ...a }));
  }

  /** Raises an alarm (as a full disk or a failed corruption check would); returns it. Idempotent. */
  activateAlarm(memberId: string, alarm: EtcdAlarmType): EtcdAlarm {
    this.#requireQuorum();
    const existing = this.#alarms.find((a) => a.memberId === memberId && a.alarm === alarm);
    if (existing) return { ...existing };
    const added = { memberId, alarm };
    this.#alarms.push(added);
    this.#index += 1;
    return { ...added };
  }

  /** Clears an alarm; returns it, or undefined when it was not raised. */
  deactivateAlarm(memberId: string, alarm: EtcdAlarmType): EtcdAlarm | undefined {
    this.#requireQuorum();
    const i = this.#alarms.findIndex((a) => a.memberId === memberId && a.alarm === alarm);
    if (i < 0) return undefined;
    const [removed] = this.#alarms.splice(i, 1);
    this.#index += 1;
    return removed;
  }

  /** Alarms go through raft even to be read; without a leader the request times out. */
  listAlarms(): EtcdAlarm[] {
    this.#requireQuorum();
    return this.alarms();
  }

  /**
   * Fault injection: whether a member's process answers. An unhealthy member refuses connections, or with
   * `hang` accepts them and never answers. Losing the leader, or regaining a quorum, runs an election.
   */
  setHealthy(memberId: string, healthy: boolean, options: { hang?: boolean } = {}): void {
    const m = this.#find(memberId);
    if (!m) throw etcdServerErrors.memberNotFound();
    m.state = healthy ? 'running' : options.hang ? 'hung' : 'stopped';
    if (!healthy && this.#leader === memberId) this.#leader = '';
    this.#elect();
  }

  /** How the client port of a member behaves; removed or unknown members refuse like stopped ones. */
  stateOf(memberId: string): EtcdMemberState {
    return this.#find(memberId)?.state ?? 'stopped';
  }

  #find(id: string): MemberRecord | undefined {
    return this.#members.find((m) => m.id === id);
  }

  #requireQuorum(): void {
    if (!this.#leader) throw etcdServerErrors.requestTimeout();
  }

  /** Keeps a leader while a quorum of voters runs; a new leader starts a new term with an empty entry. */
  #elect(): void {
    const voters = this.#members.filter((m) => !m.isLearner);
    const running = voters.filter((m) => m.state === 'running');
    if (running.length < quorum(voters.length)) {
      this.#leader = '';
      return;
    }
    if (this.#leader && running.some((m) => m.id === this.#leader)) return;
    this.#leader = running[0]!.id;
    this.#term += 1;
    this.#index += 1;
  }
}

function quorum(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

function publicMember(m: MemberRecord): EtcdMember {
  return {
    id: m.id,
    name: m.name,
    peerURLs: [...m.peerURLs],
    clientURLs: [...m.clientURLs],
    isLearner: m.isLearner,
  };
}

/** A random non-zero uint64 in decimal: etcd's member and cluster ids (zero means "none" in raft). */
function randomUint64(): string {
  let n = 0n;
  while (n === 0n) n = randomBytes(8).readBigUInt64BE();
  return n.toString();
}

function compareIds(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
