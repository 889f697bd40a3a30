// The submission path looks a form up on every post; a popular form must not cost a query each
// time. Lookups are cached briefly (unknown ids too, so a flood of made-up ids stays cheap), and
// concurrent misses for one id share one query. An edit in this process drops its entry at once;
// other processes see it within FORM_CACHE_TTL_MS.

import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/database.ts';
import { getPublicForm, type PublicForm } from '../store/forms.ts';
import { FORM_ID_PATTERN } from './ids.ts';

export const FORM_CACHE_TTL_MS = 5_000;
const FORM_CACHE_SIZE = 10_000;

interface Entry {
  form: PublicForm | null;
}

export class FormDirectory {
  private readonly cache: LRUCache<string, Entry>;

  constructor(db: Queryable) {
    this.cache = new LRUCache<string, Entry>({
      max: FORM_CACHE_SIZE,
      ttl: FORM_CACHE_TTL_MS,
      fetchMethod: async (formId) => ({ form: await getPublicForm(db, formId) }),
    });
  }

  /** The form from the cache without waiting: null when unknown, undefined when not cached. */
  cached(formId: string): PublicForm | null | undefined {
    if (!FORM_ID_PATTERN.test(formId)) return null;
    return this.cache.get(formId)?.form;
  }

  async get(formId: string): Promise<PublicForm | null> {
    if (!FORM_ID_PATTERN.test(formId)) return null;
    const entry = await this.cache.fetch(formId);
    return entry?.form ?? null;
  }

  invalidate(formId: string): void {
    this.cache.delete(formId);
  }
}
