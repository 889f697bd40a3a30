// Webhook targets (SSRF): every special address range is refused, whichever way it is written,
// when the URL is saved (422 on settings.webhookUrl) and when a delivery would connect to it
// (an IP literal stored before the rule, or a public-looking name resolving there).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { webhookChannel, type ResolveName } from '../ingest/notify/webhook.ts';
import { getJobSubject, type JobSubject } from '../ingest/store/jobs.ts';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { SITE_ORIGIN, VALID_CONTACT, consoleHeaders, seedAccount, signIn, startTestApp, type Seeded, type TestApp } from './helpers/harness.ts';
import { postJson, send } from './helpers/http.ts';

/** Special addresses as a URL host, with what each is. */
const SPECIAL: [string, string][] = [
  ['[::127.0.0.1]', 'IPv4-compatible loopback'],
  ['[::ffff:0:7f00:1]', 'IPv4-translated loopback'],
  ['[::ffff:127.0.0.1]', 'IPv4-mapped loopback'],
  ['[::ffff:10.0.0.7]', 'IPv4-mapped private'],
  ['[64:ff9b::10.0.0.7]', 'NAT64 of a private address'],
  ['[64:ff9b::127.0.0.1]', 'NAT64 of loopback'],
  ['[2002:7f00:1::1]', '6to4'],
  ['[2001:0:4136:e378:8000:63bf:3fff:fdd2]', 'Teredo'],
  ['[::]', 'IPv6 unspecified'],
  ['[::1]', 'IPv6 loopback'],
  ['[fe80::1]', 'IPv6 link-local'],
  ['[fc00::1]', 'IPv6 unique local'],
  ['[ff02::1]', 'IPv6 multicast'],
  ['[2001:db8::1]', 'IPv6 documentation'],
  ['0.0.0.0', 'unspecified'],
  ['127.0.0.1', 'loopback'],
  ['10.0.0.7', 'private'],
  ['169.254.169.254', 'link-local (cloud metadata)'],
  ['100.64.0.1', 'CGNAT'],
  ['224.0.0.1', 'multicast'],
  ['255.255.255.255', 'broadcast'],
  ['198.18.0.1', 'benchmarking'],
  ['192.0.2.1', 'documentation'],
];

const hostOf = (host: string) => new URL(`https://${host}/`).hostname.replace(/^\[|\]$/g, '');

for (const target of databaseTargets) {
  describe(`webhook targets on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;
    let owner: Seeded;
    let cookie: string;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db, { LOG_LEVEL: 'silent' });
      owner = await seedAccount(opened.db);
      cookie = await signIn(app.url, owner.email, owner.password);
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    const saveUrl = (webhookUrl: string) =>
      send(`${app.url}/api/forms/${owner.formId}`, { method: 'PATCH', headers: consoleHeaders(cookie, app.url), body: JSON.stringify({ settings: { webhookUrl } }) });
    const subjectFor = async (seeded: Seeded): Promise<JobSubject> => {
      const posted = await postJson(app.url, seeded.formId, VALID_CONTACT, { origin: SITE_ORIGIN });
      assert.equal(posted.status, 201, posted.text);
      const subject = await getJobSubject(opened.db, (posted.body as { id: string }).id);
      assert.ok(subject);
      return subject;
    };

    it('refuses a webhook URL on any special address when it is saved (422 on settings.webhookUrl), and takes a public one', async () => {
      for (const [host, what] of SPECIAL) {
        const answer = await saveUrl(`https://${host}/hook`);
        assert.deepEqual(
          [answer.status, answer.body],
          [422, { error: { code: 'validation_failed', message: 'Some values need attention.', fields: { 'settings.webhookUrl': `must be an https URL on a public host (${hostOf(host)} is an internal address)` } } }],
          what,
        );
      }
      const created = await send(`${app.url}/api/forms`, {
        method: 'POST',
        headers: consoleHeaders(cookie, app.url),
        body: JSON.stringify({ siteId: owner.siteId, name: 'Sneaky', settings: { webhookUrl: 'https://[::127.0.0.1]/hook' } }),
      });
      assert.equal(created.status, 422, created.text);
      for (const url of ['https://93.184.216.34/hook', 'https://[2606:4700::1111]/hook', 'https://[64:ff9b::93.184.216.34]/hook', 'https://hooks.example.com/formline']) {
        const answer = await saveUrl(url);
        assert.equal(answer.status, 200, `${url}: ${answer.text}`);
      }
    });

    it('refuses to deliver to a special address, written as an IP or reached through a name, without connecting', async () => {
      // A URL stored before this rule (the save-time check bypassed).
      const stored = await seedAccount(opened.db, { settings: { notifyEmails: [], webhookUrl: 'https://[::ffff:0:7f00:1]/hook', webhookSecret: 'whsec_targets_0123456789abcdef' } });
      const subject = await subjectFor(stored);
      let looked = 0;
      const channel = (answer: string) => {
        const resolve: ResolveName = (_hostname, callback) => {
          looked++;
          callback(null, [{ address: answer, family: answer.includes(':') ? 6 : 4 }]);
        };
        return webhookChannel({ allowPrivate: false, timeoutMs: 2000, resolve });
      };
      for (const [host, what] of SPECIAL) {
        const literal = await channel('93.184.216.34').deliver({ id: 1, submissionId: subject.submissionId, kind: 'webhook', target: `https://${host}/hook`, attempt: 1 }, subject);
        assert.deepEqual(literal, { outcome: 'failed', error: `webhook refused: ${hostOf(host)} is an internal address`, permanent: true }, what);
        const address = hostOf(host);
        const named = await channel(address).deliver({ id: 1, submissionId: subject.submissionId, kind: 'webhook', target: 'https://hooks.rebound.example/hook', attempt: 1 }, subject);
        assert.deepEqual(named, { outcome: 'failed', error: `webhook refused: hooks.rebound.example resolves to the internal address ${address}`, permanent: true }, what);
      }
      assert.equal(looked, SPECIAL.length, 'an IP literal was looked up');
    });
  });
}
