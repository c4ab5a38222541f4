import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What makes a failed store leave no trace: the versions aborted (refused and removed
 * everywhere), and the version each commit replaced, kept until its store's outcome is known.
 */
export class StoreOutcomes1766000000000 implements MigrationInterface {
  name = 'StoreOutcomes1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "aborted_versions" ("key" text NOT NULL, "version" text NOT NULL, "abortedAt" integer NOT NULL, PRIMARY KEY ("key", "version"))`);
    await q.query(`CREATE TABLE "previous_versions" (
      "key" text PRIMARY KEY NOT NULL, "version" text NOT NULL, "size" integer NOT NULL, "contentHash" text NOT NULL,
      "chunkSize" integer NOT NULL, "createdAt" integer NOT NULL, "meta" text, "holders" text NOT NULL, "keptAt" integer NOT NULL)`);
    await q.query(`CREATE TABLE "previous_chunks" ("key" text NOT NULL, "idx" integer NOT NULL, "hash" text NOT NULL, PRIMARY KEY ("key", "idx"))`);
    await q.query(`CREATE INDEX "idx_previous_chunks_hash" ON "previous_chunks" ("hash")`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE "previous_chunks"`);
    await q.query(`DROP TABLE "previous_versions"`);
    await q.query(`DROP TABLE "aborted_versions"`);
  }
}
