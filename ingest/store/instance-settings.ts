// Values the service makes once and every process shares.

import type { Queryable } from '../db/database.ts';

/** Returns the stored value for key, storing `candidate` first if there is none yet. */
export async function getOrCreateInstanceSetting(db: Queryable, key: string, candidate: string): Promise<string> {
  await db.query('insert into instance_settings (key, value) values ($1, $2) on conflict (key) do nothing', [key, candidate]);
  const [row] = await db.query<{ value: string }>('select value from instance_settings where key = $1', [key]);
  if (!row) throw new Error(`instance setting ${key} vanished`);
  return row.value;
}
