// What the service offers the embed: the script itself (/w.js and its pinned, SRI-checked
// version, every release of which stays served), form definitions in the visitor's language,
// localised 422 messages, and the snippets an owner pastes. The bundle's size budget and its ban
// on eval are checked here too.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { createApp } from '../ingest/app.ts';
import { loadConfig } from '../ingest/config.ts';
import { memoryLimiterStores } from '../ingest/http/rate-limits.ts';
import { createLogger } from '../ingest/logger.ts';
import { Metrics } from '../ingest/metrics.ts';
import { startService } from '../ingest/server.ts';
import { consoleBundle } from '../ingest/services/console-bundle.ts';
import { loadSecrets } from '../ingest/services/secrets.ts';
import { buildWidget, widgetBundle, type WidgetBundle } from '../ingest/services/widget-bundle.ts';
import { saveWidgetRelease } from '../ingest/store/widget-releases.ts';
import { FORM_CSS } from '../widget/embed/styles.ts';
import type { MessageCatalog } from '../widget/messages.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { errorOf, postJson, send } from './helpers/http.ts';
import { freshDatabaseEnv } from './helpers/service-process.ts';

const OUTPUT = fileURLToPath(new URL('./output/', import.meta.url));

/** Another release of the embed: the same entry with a changed source, built as the service builds it. */
async function nextRelease(): Promise<WidgetBundle> {
  fs.mkdirSync(OUTPUT, { recursive: true });
  const entry = `${OUTPUT}widget-next-release.ts`;
  fs.writeFileSync(entry, "import '../../widget/embed/index.ts';\n// The next release changes the source.\nconsole.debug('formline: the next release');\n");
  return buildWidget(entry);
}

/** The budget of the whole embed, Preact included, gzipped at level 9. */
const BUDGET_BYTES = 8192;

describe('the embed bundle', () => {
  it(`is at most ${BUDGET_BYTES} bytes gzipped (level 9), Preact included`, async () => {
    const bundle = await buildWidget();
    const gzipped = gzipSync(bundle.code, { level: 9 }).length;
    process.stdout.write(`# embed bundle: ${bundle.code.length} bytes, ${gzipped} bytes gzip -9 (budget ${BUDGET_BYTES})\n`);
    assert.ok(gzipped <= BUDGET_BYTES, `the embed is ${gzipped} bytes gzipped, over the budget of ${BUDGET_BYTES}`);
    // Not a trivially small file either: it holds the renderer, the validator and the queue.
    assert.ok(bundle.code.length > 10_000);
  });

  it('uses no eval or Function constructor, and declares no global but formline', async () => {
    const { code } = await buildWidget();
    const text = code.toString('utf8');
    assert.doesNotMatch(text, /\beval\s*\(|new Function\s*\(|\bFunction\s*\(/);
    // One IIFE: nothing declared at the top level of the page's scripts.
    assert.match(text, /^\(\(\)=>\{[\s\S]*\}\)\(\);?\s*$/);
    assert.match(text, /window\.formline/);
  });

  it('is built the same way twice (the pinned URL and its SRI hash are stable)', async () => {
    const [first, second] = [await buildWidget(), await buildWidget()];
    assert.equal(first.hash, second.hash);
    assert.equal(first.integrity, second.integrity);
    assert.equal(first.integrity, 'sha384-' + createHash('sha384').update(first.code).digest('base64'));
  });
});

for (const target of databaseTargets) {
  describe(`what the service offers the embed, on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let other: Seeded;
    let french: Seeded;
    const cleanups: (() => Promise<void> | void)[] = [];

    /** Another instance of the service, on the same database, running the given build of the embed. */
    const startAppWith = async (db: OpenedDatabase['db'], widget: WidgetBundle): Promise<string> => {
      const config = loadConfig({ LOG_LEVEL: 'warn', PUBLIC_URL: 'http://console.formline.test' });
      const { app: instance, drain } = createApp({
        config,
        db,
        logger: createLogger('warn'),
        metrics: new Metrics({ defaultMetrics: false }),
        secrets: await loadSecrets(db, config.secretKey),
        limiterStores: memoryLimiterStores,
        widget,
        consoleApp: await consoleBundle(),
      });
      const server = http.createServer(instance);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await drain();
      });
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    };

    before(async () => {
      opened = await target.open();
      owner = await seedAccount(opened.db);
      other = await seedAccount(opened.db);
      french = await seedAccount(opened.db, {
        schema: {
          fields: [{ name: 'email', type: 'email', label: 'Courriel', required: true }],
          locale: 'fr',
          messages: { required: 'Merci de remplir ce champ.' },
        },
      });
      app = await startTestApp(opened.db);
    });
    after(async () => {
      for (const cleanup of cleanups.reverse()) await cleanup();
      await app.close();
      await opened.close();
    });

    it('serves /w.js to any origin as JavaScript, revalidated within minutes, with an ETag', async () => {
      const bundle = await widgetBundle();
      const res = await send(`${app.url}/w.js`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/javascript; charset=utf-8');
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      assert.equal(res.text, bundle.code.toString('utf8'));
      const again = await send(`${app.url}/w.js`, { headers: { 'if-none-match': res.headers.get('etag') ?? '' } });
      assert.equal(again.status, 304);
    });

    it('serves the pinned /w.<hash>.js as immutable; an unknown hash is a JSON 404', async () => {
      const bundle = await widgetBundle();
      const pinned = await send(`${app.url}/w.${bundle.hash}.js`);
      assert.equal(pinned.status, 200);
      assert.equal(pinned.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal('sha384-' + createHash('sha384').update(pinned.text).digest('base64'), bundle.integrity);
      for (const hash of ['0123456789abcdef', 'not-a-hash', '0123456789ABCDEF']) {
        const unknown = await send(`${app.url}/w.${hash}.js`);
        assert.equal(unknown.status, 404);
        assert.deepEqual(errorOf(unknown), { code: 'not_found', message: 'There is no such version of the embed script; use /w.js.' });
      }
    });

    it('keeps serving every release at its pinned URL, byte for byte, from every instance (after an upgrade, and during a rolling deploy)', async () => {
      // Two releases on one database, each recorded as its instances start (see below): this
      // one, and the next, built from changed source.
      const current = await widgetBundle();
      const next = await nextRelease();
      assert.notEqual(next.hash, current.hash);
      assert.notDeepEqual(next.code, current.code);
      await saveWidgetRelease(opened.db, current);
      await saveWidgetRelease(opened.db, next);
      const nextInstance = await startAppWith(opened.db, next);
      // Started again (a restart, another instance of the same release): nothing changes.
      await saveWidgetRelease(opened.db, current);
      assert.equal((await opened.db.query('select hash from widget_releases')).length, 2);

      for (const instance of [app.url, nextInstance]) {
        for (const release of [current, next]) {
          const res = await fetch(`${instance}/w.${release.hash}.js`);
          assert.equal(res.status, 200, `${instance} does not serve ${release.hash}`);
          assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
          const bytes = Buffer.from(await res.arrayBuffer());
          assert.ok(bytes.equals(release.code), `${instance} serves other bytes for ${release.hash}`);
          assert.equal('sha384-' + createHash('sha384').update(bytes).digest('base64'), release.integrity);
        }
      }
      // /w.js is each instance's own build.
      assert.equal((await send(`${nextInstance}/w.js`)).headers.get('etag'), `"${next.hash}"`);
      assert.equal((await send(`${app.url}/w.js`)).headers.get('etag'), `"${current.hash}"`);
    });

    it("sends the form's definition with the visitor's catalog (data-lang, page lang or browser), falling back to the form's locale, then English", async () => {
      const definitionIn = async (formId: string, lang?: string) => {
        const res = await send(`${app.url}/v1/forms/${formId}${lang === undefined ? '' : `?lang=${encodeURIComponent(lang)}`}`, {
          headers: { origin: SITE_ORIGIN },
        });
        assert.equal(res.status, 200);
        return { ...(res.body as { lang: string; messages: MessageCatalog; successMessage: string }), etag: res.headers.get('etag') };
      };
      const german = await definitionIn(owner.formId, 'de-AT');
      assert.equal(german.lang, 'de');
      assert.equal(german.messages.required, 'Dieses Feld ist erforderlich.');
      assert.equal(german.messages.send, 'Senden');
      const hindi = await definitionIn(owner.formId, 'hi');
      assert.equal(hindi.messages.required, 'यह फ़ील्ड आवश्यक है।');
      for (const lang of ['es', 'fr', 'pt-BR']) assert.notEqual((await definitionIn(owner.formId, lang)).messages.required, 'This field is required.');
      // Every language has every text.
      const english = await definitionIn(owner.formId, 'en');
      for (const lang of ['es', 'fr', 'de', 'hi', 'pt']) {
        assert.deepEqual(Object.keys((await definitionIn(owner.formId, lang)).messages).sort(), Object.keys(english.messages).sort());
      }
      // Unknown language: the form's own locale, else English.
      assert.equal((await definitionIn(owner.formId, 'xx')).lang, 'en');
      const frenchForm = await definitionIn(french.formId, 'zz');
      assert.equal(frenchForm.lang, 'fr');
      // The form's own texts win over the catalog.
      assert.equal(frenchForm.messages.required, 'Merci de remplir ce champ.');
      assert.equal(frenchForm.messages.email, 'Saisissez une adresse e-mail valide.');
      // A cached copy in one language is never served for another.
      assert.notEqual(german.etag, english.etag);
      assert.equal(english.successMessage, 'Thanks! We will be in touch.');
      // The rendered form's stylesheet comes with it (the script carries only the host reset).
      assert.equal((german as unknown as { css: string }).css, FORM_CSS);
    });

    it("answers a 422 in the visitor's language", async () => {
      const res = await postJson(`${app.url}`, owner.formId + '?lang=es', { name: 'Ada', email: 'nope', message: 'Hola, ¿qué tal?', consent: true });
      assert.equal(res.status, 422);
      assert.deepEqual(errorOf(res).fields, { email: 'Introduce una dirección de correo válida.' });
      const plain = await postJson(`${app.url}`, french.formId, { email: '' });
      assert.deepEqual(errorOf(plain).fields, { email: 'Merci de remplir ce champ.' });
    });

    it('gives the owner the snippets to paste, pinned with the SRI hash; another account gets 404', async () => {
      const bundle = await widgetBundle();
      const cookie = await signIn(app.url, owner.email, owner.password);
      const res = await send(`${app.url}/api/forms/${owner.formId}/embed`, { headers: consoleHeaders(cookie, app.url) });
      assert.equal(res.status, 200);
      const embed = res.body as { script: string; integrity: string; render: string; enhance: string };
      assert.equal(embed.script, `http://console.formline.test/w.${bundle.hash}.js`);
      assert.equal(embed.integrity, bundle.integrity);
      const tag = `<script src="${embed.script}" integrity="${bundle.integrity}" crossorigin="anonymous" async></script>`;
      assert.equal(embed.render, `<div data-formline="${owner.formId}"></div>\n${tag}`);
      assert.ok(embed.enhance.startsWith(`<form action="http://console.formline.test/v1/f/${owner.formId}" method="post" data-formline>`));
      assert.ok(embed.enhance.endsWith(tag));

      const otherCookie = await signIn(app.url, other.email, other.password);
      const foreign = await send(`${app.url}/api/forms/${owner.formId}/embed`, { headers: consoleHeaders(otherCookie, app.url) });
      assert.equal(foreign.status, 404);
      assert.equal(errorOf(foreign).code, 'form_not_found');
      const anonymous = await send(`${app.url}/api/forms/${owner.formId}/embed`);
      assert.equal(anonymous.status, 401);
    });
  });
}

describe('the service at start', () => {
  // (One database is enough: the statement is the same on both, and a real one starts fastest.)
  const target = databaseTargets.at(-1)!;
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it(`records the build of the embed it serves, so that every instance can serve it (on ${target.name})`, async () => {
    const env = { ...(await freshDatabaseEnv(target, cleanups)), PORT: '0', HOST: '127.0.0.1', WORKER: 'false', DEMO: 'false', LOG_LEVEL: 'warn' };
    const running = await startService(loadConfig({ ...env, ADMIN_EMAIL: 'releases@example.com', ADMIN_PASSWORD: 'release-suite-password' }));
    cleanups.push(() => running.close());
    const current = await widgetBundle();
    const recorded = await running.db.query<{ hash: string; integrity: string; code: Uint8Array }>('select hash, integrity, code from widget_releases');
    assert.deepEqual(
      recorded.map((row) => ({ hash: row.hash, integrity: row.integrity, same: Buffer.from(row.code).equals(current.code) })),
      [{ hash: current.hash, integrity: current.integrity, same: true }],
    );
  });
});
