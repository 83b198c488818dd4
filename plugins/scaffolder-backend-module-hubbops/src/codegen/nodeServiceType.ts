import { z } from 'zod/v3';
import { GeneratedFile, ServiceTypeHandler } from './ServiceTypeHandler';

/** The uid:gid the generated images run as (distroless `nonroot`). */
export const SERVICE_USER = '65532:65532';

const optionsSchema = z
  .object({
    nodeVersion: z
      .number()
      .int()
      .min(22, 'nodeVersion must be 22 or later')
      .default(22)
      .describe('The Node.js major version the service targets'),
  })
  .strict()
  .default({});

/**
 * `node`: an HTTP service on `node:http`, plain ES modules type-checked by
 * TypeScript through JSDoc (`checkJs`), so the committed files run as they
 * are with `node server.js`: no build step and no `npm install` in the image,
 * which the `layers` builder (no RUN) needs.
 */
export const nodeServiceType: ServiceTypeHandler<
  z.output<typeof optionsSchema>
> = {
  type: 'node',
  description:
    'Node.js HTTP service (node:http, JavaScript type-checked with TypeScript)',
  defaultBaseImage: 'docker.io/library/node:22-slim',
  inputSchema: optionsSchema,
  async generate(ctx): Promise<GeneratedFile[]> {
    const packageJson = {
      name: ctx.name,
      version: '0.1.0',
      private: true,
      ...(ctx.description ? { description: ctx.description } : {}),
      type: 'module',
      main: 'server.js',
      engines: { node: `>=${ctx.options.nodeVersion}` },
      scripts: {
        start: 'node server.js',
        test: 'node --test',
        typecheck: 'tsc -p tsconfig.json',
      },
      devDependencies: {
        '@types/node': `^${ctx.options.nodeVersion}.0.0`,
        typescript: '^5.6.0',
      },
    };
    const tsconfig = {
      compilerOptions: {
        target: 'es2022',
        module: 'nodenext',
        moduleResolution: 'nodenext',
        allowJs: true,
        checkJs: true,
        noEmit: true,
        strict: true,
        types: ['node'],
        skipLibCheck: true,
      },
      include: ['*.js'],
    };
    const server = `// @ts-check
import { createServer } from 'node:http';
import { pathToFileURL } from 'node:url';

const HEALTH_PATH = ${JSON.stringify(ctx.healthPath)};

/**
 * Answers the service's requests.
 * @param {import('node:http').IncomingMessage} request
 * @param {import('node:http').ServerResponse} response
 */
export function handle(request, response) {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (request.method === 'GET' && url.pathname === HEALTH_PATH) {
    sendJson(response, 200, { status: 'ok' });
    return;
  }
  if (request.method === 'GET' && url.pathname === '/') {
    sendJson(response, 200, { service: ${JSON.stringify(ctx.name)} });
    return;
  }
  sendJson(response, 404, { error: 'not found' });
}

/**
 * @param {import('node:http').ServerResponse} response
 * @param {number} status
 * @param {unknown} body
 */
function sendJson(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/**
 * Starts the service on \`port\` (0 picks a free one).
 * @param {number} port
 * @returns {Promise<import('node:http').Server>}
 */
export function start(port) {
  const server = createServer(handle);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => resolve(server));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? ${ctx.port});
  const server = await start(port);
  console.log(\`${ctx.name} listening on port \${port}\`);
  // Kubernetes sends SIGTERM before it stops the pod: finish open requests.
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
}
`;
    const test = `// @ts-check
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { start } from './server.js';

/** @type {import('node:http').Server} */
let server;
/** @type {string} */
let base;

before(async () => {
  server = await start(0);
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  base = \`http://127.0.0.1:\${address.port}\`;
});

after(() => new Promise(resolve => server.close(() => resolve(undefined))));

test('answers the health check', async () => {
  const response = await fetch(\`\${base}${ctx.healthPath}\`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { status: 'ok' });
});

test('answers 404 for unknown paths', async () => {
  const response = await fetch(\`\${base}/no-such-path\`);
  assert.equal(response.status, 404);
});
`;
    const containerfile = `FROM ${ctx.baseImage}
WORKDIR /app
ENV NODE_ENV=production PORT=${ctx.port}
COPY --chown=${SERVICE_USER} . /app
USER ${SERVICE_USER}
EXPOSE ${ctx.port}
CMD ["node", "server.js"]
`;
    // Plain paths only: the layers builder does not expand patterns.
    const containerignore = `.git
node_modules
server.test.js
tsconfig.json
catalog-info.yaml
Containerfile
.containerignore
`;
    return [
      {
        path: 'package.json',
        content: `${JSON.stringify(packageJson, null, 2)}\n`,
      },
      {
        path: 'tsconfig.json',
        content: `${JSON.stringify(tsconfig, null, 2)}\n`,
      },
      { path: 'server.js', content: server },
      { path: 'server.test.js', content: test },
      { path: 'Containerfile', content: containerfile },
      { path: '.containerignore', content: containerignore },
    ];
  },
};
