// @ts-check

/**
 * Clusters registered at runtime through the API. The kubeconfig is
 * stored only encrypted (AES-256-GCM, the cluster name as additional
 * authenticated data); `revision` tells replicas a row changed.
 *
 * @param {import('knex').Knex} knex
 */
exports.up = async function up(knex) {
  await knex.schema.createTable('flux_registered_clusters', table => {
    table.comment('Clusters registered through the API');
    table.string('name', 63).primary().notNullable();
    table.string('title', 255).nullable();
    table.string('context', 255).notNullable().comment('kubeconfig context');
    table.text('url').notNullable().comment('API server URL');
    table
      .text('kubeconfig_ciphertext', 'longtext')
      .notNullable()
      .comment('base64 AES-256-GCM ciphertext of the kubeconfig');
    table.string('kubeconfig_iv', 32).notNullable().comment('base64 nonce');
    table.string('kubeconfig_tag', 32).notNullable().comment('base64 GCM tag');
    table.integer('revision').notNullable().defaultTo(1);
    table.string('created_by', 255).nullable();
    table.string('updated_by', 255).nullable();
    table
      .timestamp('created_at', { useTz: true })
      .notNullable()
      .defaultTo(knex.fn.now());
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
  await knex.schema.dropTable('flux_registered_clusters');
};
