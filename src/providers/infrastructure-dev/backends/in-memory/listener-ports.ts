import { createServer, type Server, type Socket } from 'node:net';

export interface ListenerPortsOptions {
  /** Address the workload endpoints listen on (default 127.0.0.1). */
  host?: string;
  /** First and last port handed out, inclusive (default 20000-30000, upstream's code default). */
  minPort?: number;
  maxPort?: number;
}

/** Every port of the range is taken, by us or by other processes. */
export class PortRangeExhaustedError extends Error {
  override readonly name = 'PortRangeExhaustedError';
}

/** A bound listener of a workload cluster endpoint. */
export interface WorkloadListener {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Hands out the ports of the workload endpoints. A port is ours only once bound, so allocation is a bind
 * attempt: ports other processes hold are skipped, and a cursor moves on from the last port given so a port
 * just released is not reused at once (a client still holding the old cluster's address would otherwise
 * reach the new one).
 */
export class ListenerPorts {
  readonly host: string;
  readonly minPort: number;
  readonly maxPort: number;
  #next: number;
  readonly #inUse = new Set<number>();

  constructor(options: ListenerPortsOptions = {}) {
    this.host = options.host ?? '127.0.0.1';
    this.minPort = options.minPort ?? 20000;
    this.maxPort = options.maxPort ?? 30000;
    if (!(this.minPort > 0 && this.maxPort <= 65535 && this.minPort <= this.maxPort))
      throw new Error(`invalid workload endpoint port range ${this.minPort}-${this.maxPort}`);
    this.#next = this.minPort;
  }

  /** Ports currently bound by this allocator. */
  get inUse(): number {
    return this.#inUse.size;
  }

  /**
   * Binds a listener: on `preferredPort` when given (a restarted process keeps the endpoint a DevCluster
   * already advertises; failing to get it back is an error, not a silent move), otherwise on the next free
   * port of the range. Connections go to `onConnection`.
   */
  async open(onConnection: (socket: Socket) => void, preferredPort?: number): Promise<WorkloadListener> {
    if (preferredPort !== undefined) {
      const server = await this.#bind(preferredPort, onConnection);
      if (!server)
        throw new Error(
          `port ${preferredPort} of ${this.host} is taken by another process; cannot restore the endpoint`,
        );
      return this.#track(server, preferredPort);
    }
    const size = this.maxPort - this.minPort + 1;
    for (let tried = 0; tried < size; tried++) {
      const port = this.#next;
      this.#next = port >= this.maxPort ? this.minPort : port + 1;
      if (this.#inUse.has(port)) continue;
      const server = await this.#bind(port, onConnection);
      if (server) return this.#track(server, port);
    }
    throw new PortRangeExhaustedError(
      `no free port left in ${this.host}:${this.minPort}-${this.maxPort} for a workload cluster endpoint`,
    );
  }

  #track(server: Server, port: number): WorkloadListener {
    this.#inUse.add(port);
    let closed: Promise<void> | undefined;
    return {
      host: this.host,
      port,
      close: () =>
        (closed ??= new Promise<void>((resolve) => {
          server.close(() => {
            this.#inUse.delete(port);
            resolve();
          });
        })),
    };
  }

  /** Resolves the bound server, or undefined when the port is taken. */
  async #bind(port: number, onConnection: (socket: Socket) => void): Promise<Server | undefined> {
    const server = createServer(onConnection);
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE' || err.code === 'EACCES') resolve(undefined);
        else reject(err);
      });
      server.listen({ port, host: this.host, exclusive: true }, () => {
        server.removeAllListeners('error');
        server.on('error', () => undefined);
        resolve(server);
      });
    });
  }
}
