import { hubbopsTestDatabaseIds } from './hubbopsTestDatabases';

describe('hubbopsTestDatabaseIds', () => {
  it('runs on SQLite alone when no PostgreSQL is configured', () => {
    expect(hubbopsTestDatabaseIds({})).toEqual(['SQLITE_3']);
  });

  it('adds each configured PostgreSQL, by major version', () => {
    expect(
      hubbopsTestDatabaseIds({
        BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:
          'postgresql://u:p@127.0.0.1:5432',
        BACKSTAGE_TEST_DATABASE_POSTGRES17_CONNECTION_STRING: '',
        BACKSTAGE_TEST_DATABASE_MYSQL8_CONNECTION_STRING: 'mysql://x',
      }),
    ).toEqual(['SQLITE_3', 'POSTGRES_15']);
  });

  it('refuses to skip PostgreSQL when it is required but not configured', () => {
    expect(() =>
      hubbopsTestDatabaseIds({ HUBBOPS_TEST_REQUIRE_POSTGRES: '1' }),
    ).toThrow(/no PostgreSQL is configured/);
  });
});
