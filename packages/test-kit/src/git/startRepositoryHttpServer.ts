import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { GitRepositoryStore } from './GitRepositoryStore';

/** An HTTP server in front of a repository store. */
export interface RepositoryHttpServer {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  baseUrl: string;
  /** Stops the server, then deletes the store's repositories; idempotent. */
  close(): Promise<void>;
}

/**
 * Serves `handle` on a free loopback port in front of `store`. A request
 * `handle` fails on is answered 500 with the error's message.
 */
export async function startRepositoryHttpServer(
  store: GitRepositoryStore,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<RepositoryHttpServer> {
  // Requests still being answered (git processes writing to the
  // repositories), so that close() waits for them before deleting.
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const handled = handle(req, res)
      .catch(error => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(error?.message ?? error));
      })
      .finally(() => inFlight.delete(handled));
    inFlight.add(handled);
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  let closed: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close() {
      closed ??= (async () => {
        server.closeAllConnections();
        await new Promise<void>(resolve => server.close(() => resolve()));
        await Promise.allSettled([...inFlight]);
        await store.dispose();
      })();
      return closed;
    },
  };
}
