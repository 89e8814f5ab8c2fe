/**
 * The passthrough variant: a plain `node:http` handler that reads the same request body as the
 * subgraph, makes the same upstream calls with undici (all at once), and returns the same JSON
 * shape, with no GraphQL in between. What is left between it and the subgraph is the cost of the
 * GraphQL layer (parsing, validation, execution, plugins, loaders, error mapping).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RequestCounter, argument, serveRunner } from './lib/child-side.ts';
import { DirectUpstream, toPlayers } from './lib/upstream.ts';

const upstream = new DirectUpstream(
  argument('upstream'),
  { id: argument('app-id'), secret: argument('app-secret') },
  Number(argument('connections')),
);
const counter = new RequestCounter();

const server = createServer((req, res) => {
  counter.track(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    void (async () => {
      let status = 200;
      let body: string;
      try {
        const { variables } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          variables: { ids: string[] };
        };
        const rows = await upstream.players(variables.ids);
        body = JSON.stringify({ data: { users: toPlayers(variables.ids, rows) } });
      } catch (error) {
        status = 502;
        body = JSON.stringify({ errors: [{ message: (error as Error).message }] });
      }
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      });
      res.end(body);
    })();
  });
});
server.keepAliveTimeout = 30_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
serveRunner(
  { urls: { main: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } },
  counter,
  async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await upstream.close();
  },
);
