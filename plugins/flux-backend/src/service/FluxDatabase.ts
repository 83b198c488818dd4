import {
  DatabaseService,
  resolvePackagePath,
} from '@backstage/backend-plugin-api';
import {
  FluxClusterHealth,
  FluxObjectSummary,
  FluxRawObject,
} from '@hubbops/plugin-flux-common';
import { ConflictError, NotFoundError } from '@backstage/errors';
import { Knex } from 'knex';
import { IndexedObject } from './FluxObjectIndex';
import { SealedKubeconfig } from './KubeconfigCipher';

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

/** A cluster registered through the API, as stored (kubeconfig sealed). */
export interface StoredClusterRegistration {
  name: string;
  title?: string;
  context: string;
  url: string;
  kubeconfig: SealedKubeconfig;
  revision: number;
  createdBy?: string;
  updatedBy?: string;
  createdAt: string;
  updatedAt: string;
}

interface RegistrationRow {
  name: string;
  title: string | null;
  context: string;
  url: string;
  kubeconfig_ciphertext: string;
  kubeconfig_iv: string;
  kubeconfig_tag: string;
  revision: number;
  created_by: string | null;
  updated_by: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

function timestamp(value: Date | string | number): string {
  // SQLite hands back what was written (epoch ms); PostgreSQL a Date.
  return new Date(value).toISOString();
}

function registrationOf(row: RegistrationRow): StoredClusterRegistration {
  return {
    name: row.name,
    ...(row.title && { title: row.title }),
    context: row.context,
    url: row.url,
    kubeconfig: {
      ciphertext: row.kubeconfig_ciphertext,
      iv: row.kubeconfig_iv,
      tag: row.kubeconfig_tag,
    },
    revision: Number(row.revision),
    ...(row.created_by && { createdBy: row.created_by }),
    ...(row.updated_by && { updatedBy: row.updated_by }),
    createdAt: timestamp(row.created_at),
    updatedAt: timestamp(row.updated_at),
  };
}

/**
 * The plugin's tables: `flux_objects`, `flux_clusters` and
 * `flux_registered_clusters`.
 */
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

  /** Drops what is stored about one cluster's objects and health. */
  async deleteClusterState(name: string): Promise<void> {
    await this.#knex.transaction(async tx => {
      await tx('flux_objects').where({ cluster: name }).delete();
      await tx('flux_clusters').where({ name }).delete();
    });
  }

  async listClusterRegistrations(): Promise<StoredClusterRegistration[]> {
    const rows = await this.#knex<RegistrationRow>('flux_registered_clusters')
      .select()
      .orderBy('name');
    return rows.map(registrationOf);
  }

  async getClusterRegistration(
    name: string,
  ): Promise<StoredClusterRegistration | undefined> {
    const row = await this.#knex<RegistrationRow>('flux_registered_clusters')
      .where({ name })
      .first();
    return row ? registrationOf(row) : undefined;
  }

  /** Stores a new registration; ConflictError if the name is taken. */
  async insertClusterRegistration(registration: {
    name: string;
    title?: string;
    context: string;
    url: string;
    kubeconfig: SealedKubeconfig;
    actor?: string;
  }): Promise<StoredClusterRegistration> {
    const now = new Date();
    const inserted = await this.#knex('flux_registered_clusters')
      .insert({
        name: registration.name,
        title: registration.title ?? null,
        context: registration.context,
        url: registration.url,
        kubeconfig_ciphertext: registration.kubeconfig.ciphertext,
        kubeconfig_iv: registration.kubeconfig.iv,
        kubeconfig_tag: registration.kubeconfig.tag,
        revision: 1,
        created_by: registration.actor ?? null,
        updated_by: registration.actor ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict('name')
      .ignore()
      .returning('name');
    // Another replica may have registered the same name meanwhile.
    if (inserted.length === 0) {
      throw new ConflictError(
        `A cluster named "${registration.name}" is already registered; ` +
          'choose another name or update that cluster',
      );
    }
    return (await this.getClusterRegistration(registration.name))!;
  }

  /** Changes a registration and bumps its revision. */
  async updateClusterRegistration(
    name: string,
    changes: {
      title?: string | null;
      context?: string;
      url?: string;
      kubeconfig?: SealedKubeconfig;
      actor?: string;
    },
  ): Promise<StoredClusterRegistration> {
    const updated = await this.#knex('flux_registered_clusters')
      .where({ name })
      .update({
        ...(changes.title !== undefined && { title: changes.title }),
        ...(changes.context !== undefined && { context: changes.context }),
        ...(changes.url !== undefined && { url: changes.url }),
        ...(changes.kubeconfig && {
          kubeconfig_ciphertext: changes.kubeconfig.ciphertext,
          kubeconfig_iv: changes.kubeconfig.iv,
          kubeconfig_tag: changes.kubeconfig.tag,
        }),
        revision: this.#knex.raw('revision + 1'),
        updated_by: changes.actor ?? null,
        updated_at: new Date(),
      });
    if (updated === 0) {
      throw new NotFoundError(`No cluster named "${name}" is registered`);
    }
    return (await this.getClusterRegistration(name))!;
  }

  /**
   * Removes a registration with everything stored about its cluster;
   * false if there was none.
   */
  async deleteClusterRegistration(name: string): Promise<boolean> {
    return this.#knex.transaction(async tx => {
      const deleted = await tx('flux_registered_clusters')
        .where({ name })
        .delete();
      await tx('flux_objects').where({ cluster: name }).delete();
      await tx('flux_clusters').where({ name }).delete();
      return deleted > 0;
    });
  }
}
