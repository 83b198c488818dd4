import { TestDatabases, TestDatabaseId } from '@backstage/backend-test-utils';

const POSTGRES_ENV =
  /^BACKSTAGE_TEST_DATABASE_POSTGRES(\d+)_CONNECTION_STRING$/;

/**
 * The databases every HubbOps database test runs on: SQLite, the embedded
 * default, and each PostgreSQL that the environment names through Backstage's
 * `BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING` variables
 * (`./scripts/hubbops test` starts one and sets it).
 *
 * When `HUBBOPS_TEST_REQUIRE_POSTGRES` is set, a missing PostgreSQL is an
 * error rather than a silently skipped leg; an unreachable one fails the test
 * that initialises it.
 */
export function hubbopsTestDatabaseIds(
  env: NodeJS.ProcessEnv = process.env,
): TestDatabaseId[] {
  const postgres = Object.keys(env)
    .filter(name => env[name])
    .map(name => POSTGRES_ENV.exec(name)?.[1])
    .filter((major): major is string => Boolean(major))
    .sort()
    .map(major => `POSTGRES_${major}` as TestDatabaseId);
  if (env.HUBBOPS_TEST_REQUIRE_POSTGRES && postgres.length === 0) {
    throw new Error(
      'HUBBOPS_TEST_REQUIRE_POSTGRES is set but no PostgreSQL is configured: ' +
        'set BACKSTAGE_TEST_DATABASE_POSTGRES<major>_CONNECTION_STRING, ' +
        'or run the tests through ./scripts/hubbops test, which starts one',
    );
  }
  return ['SQLITE_3', ...postgres];
}

/** `TestDatabases` over {@link hubbopsTestDatabaseIds}; call once per test file. */
export function createHubbopsTestDatabases(): TestDatabases {
  const ids = hubbopsTestDatabaseIds();
  const databases = TestDatabases.create({ ids, disableDocker: true });
  // TestDatabases drops ids it does not know (a PostgreSQL newer than this
  // Backstage release): say so instead of testing less than was asked for.
  const unknown = ids.filter(id => !databases.supports(id));
  if (unknown.length > 0) {
    throw new Error(
      `Backstage's TestDatabases does not support ${unknown.join(', ')}; ` +
        'point the tests at a PostgreSQL version it lists',
    );
  }
  return databases;
}
