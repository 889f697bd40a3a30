// The builds of the embed script (widget_releases): each process records its own at start, and
// any process serves any recorded one at /w.<hash>.js, byte for byte.

import type { Queryable } from '../db/database.ts';

export interface WidgetRelease {
  hash: string;
  code: Buffer;
  integrity: string;
}

/** Records a build; one already recorded (the same hash) is left as it is. */
export async function saveWidgetRelease(db: Queryable, release: WidgetRelease): Promise<void> {
  await db.query('insert into widget_releases (hash, code, integrity) values ($1, $2, $3) on conflict (hash) do nothing', [
    release.hash,
    release.code,
    release.integrity,
  ]);
}

export async function getWidgetRelease(db: Queryable, hash: string): Promise<WidgetRelease | null> {
  const [row] = await db.query<{ hash: string; code: Uint8Array; integrity: string }>(
    'select hash, code, integrity from widget_releases where hash = $1',
    [hash],
  );
  // (pg answers a Buffer, PGlite a Uint8Array: the same bytes either way.)
  return row ? { hash: row.hash, code: Buffer.from(row.code), integrity: row.integrity } : null;
}
