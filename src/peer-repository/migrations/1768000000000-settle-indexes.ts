import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the settlers' rounds (tombstone-settler.ts, abort-settler.ts): the tombstones and
 * aborts past --tombstone-ttl are found by version (a version starts with its time, so "older
 * than" is a range of the index), and the replaced versions kept too long by `keptAt`; a round
 * then reads what is due, not every row held.
 */
export class SettleIndexes1768000000000 implements MigrationInterface {
  name = 'SettleIndexes1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX "idx_tombstones_version" ON "tombstones" ("version")`);
    await q.query(`CREATE INDEX "idx_aborted_versions_version" ON "aborted_versions" ("version")`);
    await q.query(`CREATE INDEX "idx_previous_versions_kept" ON "previous_versions" ("keptAt")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX "idx_previous_versions_kept"`);
    await q.query(`DROP INDEX "idx_aborted_versions_version"`);
    await q.query(`DROP INDEX "idx_tombstones_version"`);
  }
}
