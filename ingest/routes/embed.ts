// The embed script: /w.js (revalidated often, so a new release reaches every page within minutes)
// and /w.<hash>.js (immutable, for a script tag pinned with its integrity hash). Readable from any
// origin: a site owner may load it with crossorigin="anonymous" to check the SRI hash.
// A pinned URL outlives its release: every build ever started is recorded (widget_releases), and
// any instance serves any recorded build, so pinned tags keep working after an upgrade and while
// old and new instances run side by side.

import type { RequestHandler, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { Queryable } from '../db/database.ts';
import { NotFoundError } from '../errors.ts';
import type { ConsoleBundle } from '../services/console-bundle.ts';
import type { WidgetBundle } from '../services/widget-bundle.ts';
import { getWidgetRelease, type WidgetRelease } from '../store/widget-releases.ts';

const HASH = /^[0-9a-f]{16}$/;

function sendScript(res: Response, widget: WidgetRelease, cacheControl: string): void {
  res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('ETag', `"${widget.hash}"`);
  res.send(widget.code);
}

export function embedRoutes(widget: WidgetBundle, db: Queryable) {
  // Releases never change: one read from the database per older release and process is enough.
  const releases = new LRUCache<string, WidgetRelease>({ max: 32 });

  const latest: RequestHandler = (req, res) => {
    if (req.get('if-none-match') === `"${widget.hash}"`) {
      res.status(304).end();
      return;
    }
    sendScript(res, widget, 'public, max-age=300');
  };

  const pinned: RequestHandler = async (req, res) => {
    const hash = String(req.params['hash']);
    let release: WidgetRelease | null | undefined = hash === widget.hash ? widget : releases.get(hash);
    if (!release && HASH.test(hash)) {
      release = await getWidgetRelease(db, hash);
      if (release) releases.set(hash, release);
    }
    if (!release) throw new NotFoundError('not_found', 'There is no such version of the embed script; use /w.js.');
    sendScript(res, release, 'public, max-age=31536000, immutable');
  };

  /** /console/app.js: revalidated on every load (ETag), so the console is always the running version. */
  const consoleScript =
    (bundle: ConsoleBundle): RequestHandler =>
    (req, res) => {
      if (req.get('if-none-match') === `"${bundle.hash}"`) {
        res.status(304).end();
        return;
      }
      res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
      res.setHeader('Cache-Control', 'no-cache');
      res.setHeader('ETag', `"${bundle.hash}"`);
      res.send(bundle.code);
    };

  return { latest, pinned, consoleScript };
}

/** What an owner pastes: the pinned script tag with its integrity hash, and the two embed forms. */
export function embedSnippets(publicUrl: string, widget: WidgetBundle, formId: string) {
  const script = `${publicUrl}/w.${widget.hash}.js`;
  const tag = `<script src="${script}" integrity="${widget.integrity}" crossorigin="anonymous" async></script>`;
  return {
    script,
    integrity: widget.integrity,
    render: `<div data-formline="${formId}"></div>\n${tag}`,
    enhance: `<form action="${publicUrl}/v1/f/${formId}" method="post" data-formline>\n  <!-- your fields -->\n  <button>Send</button>\n</form>\n${tag}`,
  };
}
