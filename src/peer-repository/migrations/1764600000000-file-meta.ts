import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Opaque per-file metadata: a small JSON map of strings carried in the manifest (the layers
 * above storage keep content types and their own digests there). NULL for files without any.
 */
export class FileMeta1764600000000 implements MigrationInterface {
  name = 'FileMeta1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "files" ADD COLUMN "meta" text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "files" DROP COLUMN "meta"`);
  }
}
