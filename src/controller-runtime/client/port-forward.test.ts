import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type WebSocket, WebSocketServer } from 'ws';
import { MethodNotSupportedError, TransportError } from './errors.js';
import { PORT_FORWARD_PROTOCOL, PortForwardError, portForward } from './port-forward.js';
import type { RestConfig } from './rest-config.js';

/**
 * A stand-in for the API server's end of the protocol, scripted per test: what it sends after the upgrade,
 * and what it received. (The real server is exercised in test/e2e/etcd-access.e2e.test.ts.)
 */
describe('portForward (client side of v4.channel.k8s.io)', () => {
  let server: Server;
  let wss: WebSocketServer;
  let config: RestConfig;
  let script: (ws: WebSocket) => void = () => undefined;
  let lastRequest: { url: string; protocol: string; authorization: string } | undefined;

  before(async () => {
    server = createServer();
    wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (p) => (p.has(PORT_FORWARD_PROTOCOL) ? PORT_FORWARD_PROTOCOL : false),
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      if (req.url?.startsWith('/refused/')) {
        const body = JSON.stringify({
          kind: 'Status',
          code: 405,
          reason: 'MethodNotAllowed',
          message: 'no upgrade',
        });
        socket.end(
          `HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    wss.on('connection', (ws, req) => {
      lastRequest = {
        url: req.url ?? '',
        protocol: ws.protocol,
        authorization: req.headers.authorization ?? '',
      };
      script(ws);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    config = {
      server: `http://127.0.0.1:${port}/prefix`,
      token: 't0ken',
      namespace: 'default',
      source: 'test',
    };
  });
  after(async () => {
    for (const c of wss.clients) c.terminate();
    wss.close();
    server.close();
    await once(server, 'close');
  });

  const target = { namespace: 'kube-system', pod: 'etcd-a', port: 2379 };

  it('skips the port header even when it arrives split, and carries bytes both ways', async () => {
    const received: Buffer[] = [];
    script = (ws) => {
      ws.send(Buffer.from([0, 0xdb]));
      ws.send(Buffer.from([0, 0x09, ...Buffer.from('hello')]));
      ws.send(Buffer.from([1, 0xdb, 0x09]));
      ws.on('message', (data: Buffer) => {
        received.push(data);
        ws.close(1000);
      });
    };
    const stream = await portForward(config, target);
    assert.deepEqual(lastRequest, {
      url: '/prefix/api/v1/namespaces/kube-system/pods/etcd-a/portforward?ports=2379',
      protocol: PORT_FORWARD_PROTOCOL,
      authorization: 'Bearer t0ken',
    });
    stream.write('ping');
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    assert.equal(text, 'hello');
    assert.deepEqual(received, [Buffer.from([0, ...Buffer.from('ping')])]);
  });

  it('fails the stream with the error channel text when the tunnel closes', async () => {
    script = (ws) => {
      ws.send(Buffer.from([0, 0xdb, 0x09]));
      ws.send(Buffer.from([1, 0xdb, 0x09]));
      ws.send(Buffer.from([1, ...Buffer.from('error forwarding port 2379 to pod ')]));
      ws.send(Buffer.from([1, ...Buffer.from('etcd-a: connection refused')]));
      ws.close(1000);
    };
    const stream = await portForward(config, target);
    const [err] = (await once(stream, 'error')) as [unknown];
    assert.ok(err instanceof PortForwardError);
    assert.equal(err.message, 'error forwarding port 2379 to pod etcd-a: connection refused');
    assert.deepEqual(err.target, target);
  });

  it('turns a refused upgrade into the typed error of its Status, and an unreachable server into TransportError', async () => {
    const refused = { ...config, server: config.server.replace('/prefix', '/refused') };
    await assert.rejects(
      portForward(refused, target),
      (err) => err instanceof MethodNotSupportedError && err.message === 'no upgrade',
    );
    const closed = { ...config, server: 'http://127.0.0.1:1' };
    await assert.rejects(portForward(closed, target), TransportError);
  });

  it('stops opening when aborted', async () => {
    script = () => undefined;
    const controller = new AbortController();
    const opening = portForward(config, { ...target, signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await assert.rejects(opening, /shutting down/);
  });
});
