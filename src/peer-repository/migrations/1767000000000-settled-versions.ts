import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether a held version's store is known to have been acknowledged: passed on with its copies,
 * so a holder that gets an overwrite by anti-entropy frees the version it replaced at once
 * instead of keeping it for an abort that cannot come. Rows from before are "not known" (0).
 */
export class SettledVersions1767000000000 implements MigrationInterface {
  name = 'SettledVersions1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "files" ADD COLUMN "settled" integer NOT NULL DEFAULT (0)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE "files" DROP COLUMN "settled"`);
  }
}
