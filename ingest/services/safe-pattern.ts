// Owners' field patterns run on visitors' input inside the service. JavaScript's RegExp
// backtracks, so a pattern like (a|a)+$ can take minutes on 30 characters and stall every
// request. The service matches patterns with RE2 (re2js: linear time, whatever the pattern),
// and refuses to save a pattern that RE2 cannot run (lookaround, backreferences) or that the
// browser cannot compile.

import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import type { PatternMatcher } from '../../widget/validate.ts';

const compiled = new LRUCache<string, RE2JS>({ max: 1_000 });

function compile(pattern: string): RE2JS {
  let re = compiled.get(pattern);
  if (!re) {
    re = RE2JS.compile(`(?:${pattern})`);
    compiled.set(pattern, re);
  }
  return re;
}

/** Whether value matches the whole pattern, in time linear in the value's length. */
export const matchPatternSafely: PatternMatcher = (pattern, value) => {
  try {
    return compile(pattern).testExact(value);
  } catch {
    // Saved patterns were checked; one that no longer compiles must not block submissions.
    return true;
  }
};

/** Why a pattern cannot be saved, or null when it can. */
export function patternProblem(pattern: string): string | null {
  try {
    new RegExp(`^(?:${pattern})$`, 'u');
  } catch {
    return 'is not a valid regular expression';
  }
  try {
    compile(pattern);
  } catch {
    return 'uses syntax that cannot be matched safely (lookaround or backreferences); rewrite it without them';
  }
  return null;
}
