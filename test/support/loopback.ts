import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Starts a test's HTTP server on a free loopback port. Answers its origin (`http://127.0.0.1:<port>`)
 * and a close that also ends kept-alive connections (clients pool them; close() would otherwise
 * wait for their timeout).
 */
export async function listenOnLoopback(server: Server): Promise<{ origin: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A scripted endpoint's server: a POST to `path` has its JSON body read and passed to `handle`;
 * anything else is answered 404.
 */
export function jsonPostServer<T>(
  path: string,
  handle: (body: T, req: IncomingMessage, res: ServerResponse) => void,
): Server {
  return createServer((req, res) => {
    let raw = '';
    req.on('data', (piece: Buffer) => (raw += piece.toString()));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== path) {
        res.writeHead(404).end();
        return;
      }
      handle(JSON.parse(raw) as T, req, res);
    });
  });
}
