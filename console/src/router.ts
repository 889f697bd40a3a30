// Hash routes (#/forms/f_abc/edit?x=1): the console is one static page, and the links in emails
// (#/verify?token=..., #/submissions/<id>) work without any server-side routing.

import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path segments: "#/forms/f_abc/edit" → ["forms", "f_abc", "edit"]. */
  segments: string[];
  query: URLSearchParams;
  /** The whole hash, for "come back here after signing in". */
  hash: string;
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#/, '');
  const at = text.indexOf('?');
  const path = at === -1 ? text : text.slice(0, at);
  const search = at === -1 ? '' : text.slice(at + 1);
  const segments = path
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
  return { segments, query: new URLSearchParams(search), hash: hash.startsWith('#') ? hash : `#${hash}` };
}

export function currentRoute(): Route {
  return parseHash(window.location.hash);
}

/** The route, re-rendering on every hash change. */
export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const update = () => setRoute((route) => (route.hash === window.location.hash ? route : currentRoute()));
    window.addEventListener('hashchange', update);
    // The hash may have changed between the first render and this subscription.
    update();
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to a hash route; `replace` keeps the history clean for redirects and filter changes. */
export function navigate(hash: string, options: { replace?: boolean } = {}): void {
  const target = hash.startsWith('#') ? hash : `#${hash}`;
  if (target === window.location.hash) return;
  if (options.replace) {
    window.history.replaceState(null, '', target);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = target;
  }
}

/** A hash route from a path and query values (unset values are left out). */
export function href(path: string, params: Record<string, string | undefined | null> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

/** The sign-in page, coming back to `next` afterwards. */
export function signInHref(next?: string): string {
  return href('/signin', { next: next && !/^#\/(signin|signup)?$/.test(next.replace(/\?.*/, '')) ? next : undefined });
}
