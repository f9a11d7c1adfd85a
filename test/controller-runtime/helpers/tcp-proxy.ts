import net from 'node:net';

/**
 * A TCP relay in front of the API server, so a test can cut every connection of a client (as a network
 * failure would) and refuse new ones for a while, without touching the server.
 */
export class TcpProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #blocked = false;
  #targetPort = 0;
  port = 0;

  private constructor(server: net.Server) {
    this.#server = server;
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    const proxy: TcpProxy = new TcpProxy(
      net.createServer((client) => {
        if (proxy.#blocked) {
          client.destroy();
          return;
        }
        const upstream = net.connect(proxy.#targetPort, targetHost);
        for (const s of [client, upstream]) {
          proxy.#sockets.add(s);
          s.on('close', () => proxy.#sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream);
        upstream.pipe(client);
      }),
    );
    proxy.#targetPort = targetPort;
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    proxy.port = (proxy.#server.address() as net.AddressInfo).port;
    return proxy;
  }

  /** Drops every open connection; with `block`, refuses new ones until `unblock()`. */
  cut(block = false): void {
    this.#blocked = block;
    for (const s of this.#sockets) s.destroy();
  }

  /** New connections go to another server from now on (as when a load balancer's backend is replaced). */
  retarget(targetPort: number): void {
    this.#targetPort = targetPort;
  }

  unblock(): void {
    this.#blocked = false;
  }

  async close(): Promise<void> {
    this.cut(true);
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
