import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DurableBackend } from '../host/durableBackend';
import { FunctionsHost } from '../host/functionsHost';
import { messageOf } from '../../src/errorMessage';

/**
 * The e2e harness behind a real loopback HTTP listener, as `func start` serves the app on localhost:7071, so
 * that programs that speak HTTP (the ask client, the live suite) can run against the built app.
 */
export class HostHttpServer {
  private constructor(
    readonly origin: string,
    readonly host: FunctionsHost,
    readonly backend: DurableBackend,
    private readonly close_: () => Promise<void>,
    private readonly sockets: Set<Socket>,
  ) {}

  /** Loads the app entry like FunctionsHost.load, with the host's origin set to this listener's. */
  static async start(appEntry: string, functionKey?: string): Promise<HostHttpServer> {
    let host: FunctionsHost | undefined;
    const sockets = new Set<Socket>();
    const server = createServer((request, response) => {
      void forward(host, request, response);
    });
    server.on('connection', (socket: Socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closeServer = async () => {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    };
    let backend: DurableBackend;
    try {
      host = await FunctionsHost.load(appEntry, { origin });
      if (functionKey !== undefined) {
        host.setFunctionKey(functionKey);
      }
      backend = await DurableBackend.start(host);
    } catch (error) {
      await closeServer();
      throw error;
    }
    const loaded = host;
    return new HostHttpServer(
      origin,
      loaded,
      backend,
      async () => {
        await closeServer();
        await backend.close();
        await loaded.stop();
      },
      sockets,
    );
  }

  /** Breaks every open connection, as a network failure does; the server goes on accepting new ones. */
  dropConnections(): void {
    for (const socket of this.sockets) {
      socket.destroy();
    }
  }

  close(): Promise<void> {
    return this.close_();
  }
}

async function forward(host: FunctionsHost | undefined, request: IncomingMessage, response: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk as Buffer);
  }
  if (host === undefined) {
    response.writeHead(503).end();
    return;
  }
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) {
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
  }
  // The harness sets content-length itself from the body it is given.
  delete headers['content-length'];
  const body = Buffer.concat(chunks);
  let answer;
  try {
    answer = await host.httpStream(request.method ?? 'GET', request.url ?? '/', {
      headers,
      ...(body.length > 0 ? { body } : {}),
    });
  } catch (error) {
    response.writeHead(500, { 'content-type': 'text/plain' });
    response.end(messageOf(error));
    return;
  }
  // Chunks go to the client as they come (an event stream never ends while its run goes on); a client that
  // leaves drops the forwarded request, as the host does.
  const stream = answer;
  response.on('close', () => {
    if (!response.writableFinished) stream.cancel();
  });
  response.writeHead(stream.status, stream.headers);
  response.flushHeaders();
  try {
    for await (const chunk of stream.body) {
      response.write(chunk);
    }
    response.end();
  } catch {
    // The worker's response broke off: so does the client's.
    response.destroy();
  }
}
