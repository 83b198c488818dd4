// @ts-check

/**
 * The last known state of every synced Flux object and cluster, so a
 * restarted backend answers at once instead of after the first sync.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('flux_objects', table => {
    table.comment('Flux objects as last synced from their clusters');
    table.string('cluster', 255).notNullable();
    table.string('kind', 63).notNullable();
    table.string('namespace', 255).notNullable();
    table.string('name', 255).notNullable();
    table.string('uid', 63).notNullable();
    table.string('resource_version', 63).notNullable();
    table.string('ready', 16).notNullable().comment('True, False or Unknown');
    table.boolean('suspended').notNullable().defaultTo(false);
    table.text('summary', 'longtext').notNullable().comment('JSON summary');
    table.text('raw', 'longtext').notNullable().comment('JSON object');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
    table.primary(['cluster', 'kind', 'namespace', 'name']);
  });
  await knex.schema.createTable('flux_clusters', table => {
    table.comment('Health of each cluster as last checked');
    table.string('name', 255).primary().notNullable();
    table
      .string('status', 16)
      .notNullable()
      .comment('healthy, unhealthy or unknown');
    table.text('last_error').nullable();
    table.text('health', 'longtext').notNullable().comment('JSON health');
    table
      .timestamp('updated_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
  });
};

/**
 * @param {import('knex').Knex} knex
 */
exports.down = async function down(knex) {
  await knex.schema.dropTable('flux_clusters');
  await knex.schema.dropTable('flux_objects');
};
