import { resolve as resolvePath } from 'node:path';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { createHubbopsTestDatabases } from '@hubbops/test-kit';
import catalogPlugin from '@backstage/plugin-catalog-backend';
import request from 'supertest';

const databases = createHubbopsTestDatabases();
const catalogInfo = resolvePath(__dirname, '../../../catalog-info.yaml');

jest.setTimeout(120_000);

describe('the HubbOps catalog', () => {
  it.each(databases.eachSupportedId())(
    'serves the HubbOps system and its role groups from catalog-info.yaml on %s',
    async databaseId => {
      const knex = await databases.init(databaseId);
      const backend = await startTestBackend({
        features: [
          catalogPlugin,
          mockServices.database.factory({ knex }),
          mockServices.rootConfig.factory({
            data: {
              catalog: {
                rules: [{ allow: ['System', 'Component', 'Group', 'User'] }],
                locations: [{ type: 'file', target: catalogInfo }],
              },
            },
          }),
        ],
      });
      try {
        const get = (path: string) =>
          request(backend.server)
            .get(`/api/catalog${path}`)
            .set('Authorization', mockCredentials.user.header());

        // The catalog ingests locations in the background: wait for it.
        const getEventually = async (path: string) => {
          let response = await get(path);
          for (let i = 0; response.status === 404 && i < 120; i++) {
            await new Promise(r => setTimeout(r, 500));
            response = await get(path);
          }
          return response;
        };

        const system = await getEventually(
          '/entities/by-name/system/default/hubbops',
        );
        expect(system.status).toBe(200);
        expect(system.body.metadata.title).toBe('HubbOps');

        const guest = await getEventually(
          '/entities/by-name/user/default/guest',
        );
        expect(guest.status).toBe(200);
        expect(guest.body.spec.memberOf).toEqual(['hubbops-admins']);

        // Tables really live in the database under test.
        const [{ count }] = await knex('final_entities').count({
          count: '*',
        });
        expect(Number(count)).toBeGreaterThanOrEqual(8);
      } finally {
        await backend.stop();
      }
    },
  );
});
