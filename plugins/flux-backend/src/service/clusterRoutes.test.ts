import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
  TestBackend,
} from '@backstage/backend-test-utils';
import {
  coreServices,
  createServiceFactory,
  LoggerService,
} from '@backstage/backend-plugin-api';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FluxCluster,
  FluxClusterConnectionTestResult,
  FluxObjectSummary,
} from '@hubbops/plugin-flux-common';
import {
  createHubbopsTestDatabases,
  registerFluxResources,
  startTestKubernetesApiServer,
  TestKubernetesApiServer,
} from '@hubbops/test-kit';
import { Knex } from 'knex';
import request from 'supertest';
import { eventually } from '../__testUtils__/eventually';
import { kustomization } from '../__testUtils__/fluxTestObjects';
import { fluxPlugin } from '../plugin';

jest.setTimeout(60_000);

const databases = createHubbopsTestDatabases();

/** Distinctive, so any leak is found by a plain substring search. */
const TOKEN = 'registration-token-7f3a9c2e1d';

/** Everything the backend said or recorded, to search for secrets. */
class Transcript {
  readonly entries: string[] = [];
  /** Audit events: id and outcome. */
  readonly audits: Array<{ eventId: string; outcome?: 'success' | 'fail' }> =
    [];

  record(what: string, value: unknown) {
    this.entries.push(`${what} ${inspect(value, { depth: 10 })}`);
  }

  logger(fields: Record<string, unknown> = {}): LoggerService {
    const log = (level: string) => (message: string, meta?: unknown) =>
      this.record(`log ${level}`, { message, fields, meta });
    return {
      error: log('error'),
      warn: log('warn'),
      info: log('info'),
      debug: log('debug'),
      child: meta => this.logger({ ...fields, ...meta }),
    };
  }

  logsMatching(pattern: RegExp): string[] {
    return this.entries.filter(e => e.startsWith('log') && pattern.test(e));
  }

  /** Entries containing any secret, as is or in base64. */
  leaksOf(...secrets: string[]): string[] {
    const variants = secrets.flatMap(secret => [
      secret,
      Buffer.from(secret).toString('base64'),
    ]);
    return this.entries.filter(e => variants.some(v => e.includes(v)));
  }
}

interface RegistrationBackend {
  backend: TestBackend;
  call(
    method: 'get' | 'post' | 'put' | 'delete',
    path: string,
    body?: object,
  ): Promise<request.Response>;
  stop(): Promise<void>;
}

async function startRegistrationBackend(options: {
  knex: Knex;
  transcript: Transcript;
  configured: TestKubernetesApiServer;
  encryptionKey?: string;
  denied?: Set<string>;
}): Promise<RegistrationBackend> {
  const { transcript } = options;
  const denied = options.denied ?? new Set<string>();
  const auditor = mockServices.auditor.mock({
    createEvent: async event => {
      transcript.record('audit', { ...event, request: undefined });
      const audit: Transcript['audits'][number] = { eventId: event.eventId };
      transcript.audits.push(audit);
      return {
        success: async result => {
          audit.outcome = 'success';
          transcript.record('audit success', result);
        },
        fail: async result => {
          audit.outcome = 'fail';
          transcript.record('audit fail', {
            ...result,
            error: String(result.error),
          });
        },
      };
    },
  });
  const permissions = mockServices.permissions.mock({
    authorize: async requests =>
      requests.map(r => ({
        result: denied.has(r.permission.name)
          ? AuthorizeResult.DENY
          : AuthorizeResult.ALLOW,
      })) as any,
  });
  const backend = await startTestBackend({
    features: [
      fluxPlugin,
      auditor.factory,
      permissions.factory,
      mockServices.database.factory({ knex: options.knex }),
      createServiceFactory({
        service: coreServices.logger,
        deps: {},
        factory: () => transcript.logger(),
      }),
      mockServices.rootConfig.factory({
        data: {
          kubernetes: {
            clusterLocatorMethods: [
              {
                type: 'config',
                clusters: [
                  {
                    name: 'prod',
                    url: options.configured.url,
                    authProvider: 'serviceAccount',
                    serviceAccountToken: TOKEN,
                    skipTLSVerify: true,
                  },
                ],
              },
            ],
          },
          flux: {
            ...(options.encryptionKey && {
              clusterRegistration: { encryptionKey: options.encryptionKey },
            }),
            sync: {
              minRetryDelay: '100ms',
              maxRetryDelay: '500ms',
              requestTimeout: '2s',
              writeDelay: '20ms',
              followInterval: '200ms',
            },
          },
        },
      }),
    ],
  });
  const user = mockCredentials.user.header('user:default/admin');
  return {
    backend,
    async call(method, path, body) {
      const response = await request(backend.server)
        [method](`/api/flux${path}`)
        .set('Authorization', user)
        .send(body);
      transcript.record(`response ${method} ${path}`, {
        status: response.status,
        text: response.text,
      });
      return response;
    },
    stop: () => backend.stop(),
  };
}

function newKey(): string {
  return randomBytes(32).toString('base64');
}

describe('registering clusters through the API', () => {
  let server: TestKubernetesApiServer;

  beforeEach(async () => {
    server = await startTestKubernetesApiServer({ token: TOKEN });
    registerFluxResources(server);
    server.store.create(kustomization('apps'));
  });

  afterEach(async () => {
    await server.stop();
  });

  async function objectsOf(flux: RegistrationBackend, cluster: string) {
    const { body } = await flux.call('get', `/objects?cluster=${cluster}`);
    return (body.items as FluxObjectSummary[]).map(o => o.name).sort();
  }

  async function clusterNamed(flux: RegistrationBackend, name: string) {
    const { body } = await flux.call('get', '/clusters');
    return (body.items as FluxCluster[]).find(c => c.name === name);
  }

  it.each(databases.eachSupportedId())(
    'registers, syncs, updates and removes a cluster without ever returning its kubeconfig (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const transcript = new Transcript();
      const key = newKey();
      const flux = await startRegistrationBackend({
        knex,
        transcript,
        configured: server,
        encryptionKey: key,
      });
      try {
        const kubeconfig = server.kubeconfig({ contextName: 'staging-admin' });
        expect(kubeconfig).toContain(TOKEN);

        // Tried before saving: what the cluster serves.
        const tried = await flux.call('post', '/clusters/test', { kubeconfig });
        expect(tried.status).toBe(200);
        expect(tried.body as FluxClusterConnectionTestResult).toMatchObject({
          ok: true,
          url: server.url,
          serverVersion: 'v1.33.0',
          servedKinds: {
            Kustomization: 'kustomize.toolkit.fluxcd.io/v1',
          },
        });

        const registered = await flux.call('post', '/clusters', {
          name: 'staging',
          title: 'Staging',
          kubeconfig,
        });
        expect(registered.status).toBe(201);
        expect(registered.body).toMatchObject({
          name: 'staging',
          title: 'Staging',
          source: 'registered',
          url: server.url,
          registration: {
            context: 'staging-admin',
            updatedBy: 'user:default/admin',
          },
        });
        await eventually(async () => {
          expect(await objectsOf(flux, 'staging')).toEqual(['apps']);
          expect((await clusterNamed(flux, 'staging'))?.health).toMatchObject({
            status: 'healthy',
            serverVersion: 'v1.33.0',
          });
        });

        // Stored encrypted: neither the token nor its base64 is in the row.
        const [row] = await knex('flux_registered_clusters').select();
        expect(row).toMatchObject({
          name: 'staging',
          context: 'staging-admin',
        });
        const stored = JSON.stringify(row);
        expect(stored).not.toContain(TOKEN);
        expect(stored).not.toContain(Buffer.from(TOKEN).toString('base64'));

        // Bad credentials make it unhealthy; good ones bring it back.
        const wrong = await flux.call('put', '/clusters/staging', {
          kubeconfig: server.kubeconfig({ token: 'not-the-token' }),
        });
        expect(wrong.status).toBe(200);
        await eventually(async () =>
          expect((await clusterNamed(flux, 'staging'))?.health).toMatchObject({
            status: 'unhealthy',
            lastError: expect.stringMatching(/401/),
          }),
        );
        expect(
          (
            await flux.call('put', '/clusters/staging', {
              kubeconfig,
              title: 'Staging EU',
            })
          ).body,
        ).toMatchObject({ title: 'Staging EU' });
        server.store.create(kustomization('later'));
        await eventually(async () => {
          expect(await objectsOf(flux, 'staging')).toEqual(['apps', 'later']);
          expect((await clusterNamed(flux, 'staging'))?.health.status).toBe(
            'healthy',
          );
        });
        const tested = await flux.call('post', '/clusters/staging/test');
        expect(tested.body).toMatchObject({ ok: true, url: server.url });

        // Names are unique across sources; configured clusters are read-only.
        const taken = await flux.call('post', '/clusters', {
          name: 'prod',
          kubeconfig,
        });
        expect(taken.status).toBe(409);
        expect(taken.body.error.message).toMatch(
          /A cluster named "prod" already exists \(from app-config/,
        );
        for (const [method, body] of [
          ['delete', undefined],
          ['put', { title: 'x' }],
        ] as const) {
          const refused = await flux.call(method, '/clusters/prod', body);
          expect(refused.status).toBe(409);
          expect(refused.body.error.message).toBe(
            'Cluster "prod" comes from app-config (kubernetes.clusterLocatorMethods), ' +
              'so it cannot be updated or removed through the API; change it there',
          );
        }
        expect((await flux.call('delete', '/clusters/nope')).status).toBe(404);

        // Removed: its objects leave the API and the database.
        expect((await flux.call('delete', '/clusters/staging')).status).toBe(
          204,
        );
        expect(await objectsOf(flux, 'staging')).toEqual([]);
        expect(await clusterNamed(flux, 'staging')).toBeUndefined();
        expect(await objectsOf(flux, 'prod')).toEqual(['apps', 'later']);
        expect(
          await knex('flux_objects').where({ cluster: 'staging' }).select(),
        ).toEqual([]);
        expect(await knex('flux_registered_clusters').select()).toEqual([]);

        expect(transcript.audits).toEqual([
          { eventId: 'flux-cluster-test', outcome: 'success' },
          { eventId: 'flux-cluster-register', outcome: 'success' },
          { eventId: 'flux-cluster-update', outcome: 'success' },
          { eventId: 'flux-cluster-update', outcome: 'success' },
          { eventId: 'flux-cluster-test', outcome: 'success' },
          { eventId: 'flux-cluster-register', outcome: 'fail' },
          { eventId: 'flux-cluster-remove', outcome: 'fail' },
          { eventId: 'flux-cluster-update', outcome: 'fail' },
          { eventId: 'flux-cluster-remove', outcome: 'fail' },
          { eventId: 'flux-cluster-remove', outcome: 'success' },
        ]);
        expect(transcript.entries.length).toBeGreaterThan(10);
        expect(transcript.leaksOf(TOKEN, key, 'not-the-token')).toEqual([]);
      } finally {
        await flux.stop();
      }
    },
  );

  it.each(databases.eachSupportedId())(
    'brings registered clusters back after a restart, and survives a wrong key (%p)',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const transcript = new Transcript();
      const key = newKey();
      const start = (encryptionKey?: string) =>
        startRegistrationBackend({
          knex,
          transcript,
          configured: server,
          encryptionKey,
        });

      let flux = await start(key);
      const kubeconfig = server.kubeconfig();
      try {
        expect(
          (await flux.call('post', '/clusters', { name: 'edge', kubeconfig }))
            .status,
        ).toBe(201);
        await eventually(async () =>
          expect(await objectsOf(flux, 'edge')).toEqual(['apps']),
        );
        await flux.stop();

        // Same key: registered on startup from the database.
        flux = await start(key);
        server.store.create(kustomization('after-restart'));
        await eventually(async () => {
          expect(await objectsOf(flux, 'edge')).toEqual([
            'after-restart',
            'apps',
          ]);
          expect((await clusterNamed(flux, 'edge'))?.source).toBe('registered');
        });
        await flux.stop();

        // Another key: the cluster is listed unhealthy, the rest works.
        flux = await start(newKey());
        const edge = await clusterNamed(flux, 'edge');
        expect(edge?.health).toMatchObject({
          status: 'unhealthy',
          lastError: expect.stringContaining(
            'Cannot decrypt the kubeconfig of registered cluster "edge"',
          ),
        });
        expect(
          transcript.logsMatching(
            /log error[\s\S]*Cannot decrypt the kubeconfig/,
          ),
        ).not.toEqual([]);
        await eventually(async () =>
          expect((await clusterNamed(flux, 'prod'))?.health.status).toBe(
            'healthy',
          ),
        );
        const test = await flux.call('post', '/clusters/edge/test');
        expect(test.body).toMatchObject({ ok: false });
        const otherContext = await flux.call('put', '/clusters/edge', {
          context: 'test',
        });
        expect(otherContext.status).toBe(409);
        expect(otherContext.body.error.message).toMatch(/Cannot decrypt/);
        // A new kubeconfig, encrypted under the new key, repairs it.
        expect(
          (await flux.call('put', '/clusters/edge', { kubeconfig })).status,
        ).toBe(200);
        await eventually(async () =>
          expect((await clusterNamed(flux, 'edge'))?.health.status).toBe(
            'healthy',
          ),
        );
        await flux.stop();

        // No key: reads work, registration says what to configure.
        flux = await start(undefined);
        expect((await flux.call('get', '/clusters')).status).toBe(200);
        const refused = await flux.call('post', '/clusters', {
          name: 'more',
          kubeconfig,
        });
        expect(refused.status).toBe(503);
        expect(refused.body.error.message).toMatch(
          /Registering clusters is disabled: set flux\.clusterRegistration\.encryptionKey/,
        );
        expect((await clusterNamed(flux, 'edge'))?.health.lastError).toMatch(
          /flux\.clusterRegistration\.encryptionKey is not set/,
        );
        expect(transcript.entries.length).toBeGreaterThan(10);
        expect(transcript.leaksOf(TOKEN, key)).toEqual([]);
      } finally {
        await flux.stop();
      }
    },
  );

  it('refuses non-admins and invalid registrations, saying what to fix', async () => {
    const knex = await databases.init('SQLITE_3');
    const transcript = new Transcript();
    const denied = new Set(['flux.cluster.admin']);
    const flux = await startRegistrationBackend({
      knex,
      transcript,
      configured: server,
      encryptionKey: newKey(),
      denied,
    });
    const kubeconfig = server.kubeconfig();
    try {
      for (const [method, path, body] of [
        ['post', '/clusters', { name: 'x', kubeconfig }],
        ['post', '/clusters/test', { kubeconfig }],
        ['put', '/clusters/x', { kubeconfig }],
        ['delete', '/clusters/x', undefined],
        ['post', '/clusters/prod/test', undefined],
      ] as const) {
        const response = await flux.call(method, path, body);
        expect(response.status).toBe(403);
        expect(response.body.error.message).toMatch(/flux\.cluster\.admin/);
      }
      expect(transcript.audits.map(a => a.outcome)).toEqual(
        Array(5).fill('fail'),
      );
      expect(await knex('flux_registered_clusters').select()).toEqual([]);
      expect((await flux.call('get', '/clusters')).status).toBe(200);

      denied.clear();
      const bad = async (body: object, message: RegExp) => {
        const response = await flux.call('post', '/clusters', body);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toMatch(message);
      };
      await bad(
        { name: 'Not_A_Label', kubeconfig },
        /name: must be a DNS label/,
      );
      await bad({ name: 'ok' }, /kubeconfig/);
      await bad({ name: 'ok', kubeconfig: 'a: [' }, /not valid YAML/);
      await bad(
        { name: 'ok', kubeconfig, context: 'nope' },
        /has no context "nope"; it has test/,
      );
      await bad(
        {
          name: 'ok',
          kubeconfig: kubeconfig.replace(
            /token: .*/,
            'exec: { command: touch, args: [/tmp/pwned] }',
          ),
        },
        /sets exec, which runs a command on the backend host/,
      );
      await bad({ name: 'ok', kubeconfig, color: 'red' }, /color/);
      expect(await knex('flux_registered_clusters').select()).toEqual([]);

      // A server that does not answer fails the test quickly, not the API.
      const down = await flux.call('post', '/clusters/test', {
        kubeconfig: kubeconfig.replace(server.url, 'http://127.0.0.1:9'),
      });
      expect(down.status).toBe(200);
      expect(down.body).toMatchObject({
        ok: false,
        error: expect.stringMatching(
          /Cannot reach the cluster at http:\/\/127\.0\.0\.1:9/,
        ),
      });
      expect(transcript.entries.length).toBeGreaterThan(10);
      expect(transcript.leaksOf(TOKEN)).toEqual([]);
    } finally {
      await flux.stop();
    }
  });
});
