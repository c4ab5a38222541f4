import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Manifests' chunk lists move from a JSON column of `files` to the `file_chunks` table (one row
 * per chunk, indexed by hash), so that garbage collection checks one chunk with an index lookup
 * instead of parsing every manifest, and a manifest of any size is stored without one huge value.
 */
export class ChunkTable1764100000000 implements MigrationInterface {
  name = 'ChunkTable1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE "file_chunks" (
      "key" text NOT NULL,
      "idx" integer NOT NULL,
      "hash" text NOT NULL,
      PRIMARY KEY ("key", "idx"))`);
    await q.query(`CREATE INDEX "idx_file_chunks_hash" ON "file_chunks" ("hash")`);
    await q.query(`INSERT INTO "file_chunks" ("key", "idx", "hash")
      SELECT f."key", CAST(j."key" AS integer), j."value" FROM "files" f, json_each(f."chunks") j`);
    await q.query(`ALTER TABLE "files" ADD COLUMN "chunkCount" integer NOT NULL DEFAULT (0)`);
    await q.query(`UPDATE "files" SET "chunkCount" = json_array_length("chunks")`);
    await q.query(`ALTER TABLE "files" DROP COLUMN "chunks"`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "files" ADD COLUMN "chunks" text NOT NULL DEFAULT ('[]')`);
    await q.query(`UPDATE "files" SET "chunks" = (SELECT json_group_array("hash") FROM (SELECT "hash" FROM "file_chunks" c WHERE c."key" = "files"."key" ORDER BY "idx"))`);
    await q.query(`ALTER TABLE "files" DROP COLUMN "chunkCount"`);
    await q.query(`DROP TABLE "file_chunks"`);
  }
}
