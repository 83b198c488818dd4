import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  FluxClusterHealth,
  FluxObjectSummary,
  FluxRawObject,
} from '@hubbops/plugin-flux-common';
import { Knex } from 'knex';
import { IndexedObject } from './FluxObjectIndex';

const MIGRATIONS_DIRECTORY = resolvePackagePath(
  '@hubbops/plugin-flux-backend',
  'migrations',
);

/** Rows per insert: SQLite allows 999 bound variables, we bind 11 a row. */
const ROWS_PER_INSERT = 80;

/** Identifies one object row. */
export interface ObjectKey {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

interface ObjectRow {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  resource_version: string;
  ready: string;
  suspended: boolean | number;
  summary: string;
  raw: string;
}

/** The plugin's tables: `flux_objects` and `flux_clusters`. */
export class FluxDatabase {
  readonly #knex: Knex;

  static async create(database: DatabaseService): Promise<FluxDatabase> {
    const knex = await database.getClient();
    if (!database.migrations?.skip) {
      await knex.migrate.latest({ directory: MIGRATIONS_DIRECTORY });
    }
    return new FluxDatabase(knex);
  }

  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async loadObjects(): Promise<IndexedObject[]> {
    const rows = await this.#knex<ObjectRow>('flux_objects').select(
      'summary',
      'raw',
    );
    return rows.map(row => ({
      summary: JSON.parse(row.summary) as FluxObjectSummary,
      raw: JSON.parse(row.raw) as FluxRawObject,
    }));
  }

  /** Writes a batch of changes in one transaction. */
  async writeObjects(
    upserts: IndexedObject[],
    deletes: ObjectKey[],
  ): Promise<void> {
    if (upserts.length === 0 && deletes.length === 0) return;
    const now = new Date();
    await this.#knex.transaction(async tx => {
      for (const key of deletes) {
        await tx('flux_objects').where(key).delete();
      }
      const rows = upserts.map(({ summary, raw }) => ({
        cluster: summary.cluster,
        kind: summary.kind,
        namespace: summary.namespace,
        name: summary.name,
        uid: summary.uid,
        resource_version: summary.resourceVersion,
        ready: summary.ready,
        suspended: summary.suspended,
        summary: JSON.stringify(summary),
        raw: JSON.stringify(raw),
        updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
        await tx('flux_objects')
          .insert(rows.slice(i, i + ROWS_PER_INSERT))
          .onConflict(['cluster', 'kind', 'namespace', 'name'])
          .merge();
      }
    });
  }

  /** Drops what is stored about clusters no longer configured. */
  async deleteClustersOtherThan(names: string[]): Promise<void> {
    await this.#knex('flux_objects').whereNotIn('cluster', names).delete();
    await this.#knex('flux_clusters').whereNotIn('name', names).delete();
  }

  async loadClusterHealth(): Promise<Map<string, FluxClusterHealth>> {
    const rows = await this.#knex<{ name: string; health: string }>(
      'flux_clusters',
    ).select('name', 'health');
    return new Map(
      rows.map(row => [row.name, JSON.parse(row.health) as FluxClusterHealth]),
    );
  }

  async saveClusterHealth(
    name: string,
    health: FluxClusterHealth,
  ): Promise<void> {
    await this.#knex('flux_clusters')
      .insert({
        name,
        status: health.status,
        last_error: health.lastError ?? null,
        health: JSON.stringify(health),
        updated_at: new Date(),
      })
      .onConflict('name')
      .merge();
  }
}
