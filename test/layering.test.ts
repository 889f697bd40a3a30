// The dependency rules ARCHITECTURE.md states, checked on the source: SQL lives only in
// ingest/store/ and ingest/db/, so every query has one home (one small function per query).

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const INGEST = fileURLToPath(new URL('../ingest/', import.meta.url));
const SQL_HOMES = ['store', 'db'];

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(entry.name) ? [full] : [];
  });
}

// A statement handed to a database: db.query('...'), tx.query<Row>(`...`), db.exec("...").
const SQL_CALL = /\.(?:query|exec)\s*(?:<[^>()]*>)?\s*\(\s*[`'"]/g;
// A string that starts like SQL, wherever it is passed.
const SQL_TEXT = /[`'"]\s*(?:select\s+[\w*(]|insert\s+into\s|update\s+\w+\s+set\s|delete\s+from\s|with\s+\w+\s+as\s*\(|create\s+(?:table|index)\s|alter\s+table\s)/gi;

describe('layering', () => {
  it('no SQL outside ingest/store/ and ingest/db/', () => {
    const offenders = new Set<string>();
    for (const file of sourceFiles(INGEST)) {
      const relative = path.relative(INGEST, file);
      if (SQL_HOMES.includes(relative.split(path.sep)[0] ?? '')) continue;
      const text = fs.readFileSync(file, 'utf8');
      for (const pattern of [SQL_CALL, SQL_TEXT]) {
        for (const match of text.matchAll(pattern)) {
          const line = text.slice(0, match.index).split('\n').length;
          offenders.add(`ingest/${relative}:${line}: ${text.split('\n')[line - 1]?.trim()}`);
        }
      }
    }
    assert.deepEqual([...offenders], []);
  });

  it('finds SQL where it is (the check itself works)', () => {
    const store = fs.readFileSync(path.join(INGEST, 'store', 'locks.ts'), 'utf8');
    assert.ok([...store.matchAll(SQL_CALL)].length > 0);
    assert.ok([...store.matchAll(SQL_TEXT)].length > 0);
  });
});
