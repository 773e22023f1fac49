import { migrate } from '@pictor/sql';
import type { PictorContext } from '../modules/context.js';

/**
 * Module `migrations`: applies the migrations the database lacks. Alone with `database` it is
 * `--target=migrate`, the pre-install hook that runs before object storage, Kafka or Redis
 * exist; `all` runs it before anything else touches the database, and split targets expect the
 * hook to have run.
 */
export async function applyMigrations(ctx: PictorContext): Promise<undefined> {
  const database = ctx.use('database');
  const applied = await migrate(database.pool);
  ctx.logger.info('migrations applied', { applied, database: database.kind });
  ctx.result = applied;
  return undefined;
}
