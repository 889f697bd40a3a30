// Plan limits hold under parallel requests: the count and the insert happen under one lock on the
// account, so a burst of sign-ups of sites or invitations gets exactly what the plan allows.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseTargets, type OpenedDatabase } from './helpers/databases.ts';
import { consoleHeaders, seedAccount, signIn, startTestApp, type TestApp } from './helpers/harness.ts';
import { send, type Answer } from './helpers/http.ts';
import { testPlans, writePlansFile } from './helpers/stripe-events.ts';

const SITES = 3;
const MEMBERS = 4;
const PARALLEL = 12;

for (const target of databaseTargets) {
  describe(`plan limits under parallel requests on ${target.name}`, () => {
    let opened: OpenedDatabase;
    let app: TestApp;

    before(async () => {
      opened = await target.open();
      app = await startTestApp(opened.db, { PLANS_FILE: writePlansFile(testPlans({ includedSubmissions: 100, sites: SITES, members: MEMBERS })), LOG_LEVEL: 'silent' });
    });
    after(async () => {
      await app?.close();
      await opened?.close();
    });

    const burst = (cookie: string, path: string, body: (i: number) => unknown): Promise<Answer[]> =>
      Promise.all(
        Array.from({ length: PARALLEL }, (_, i) =>
          send(`${app.url}${path}`, { method: 'POST', headers: consoleHeaders(cookie, app.url), body: JSON.stringify(body(i)) }),
        ),
      );
    const tally = (answers: Answer[]) => answers.map((a) => a.status).sort().join(',');

    it(`${PARALLEL} sites at once on a ${SITES}-site plan: exactly the plan's sites are made, the rest are 402 plan_limit`, async () => {
      const owner = await seedAccount(opened.db);
      const cookie = await signIn(app.url, owner.email, owner.password);
      const answers = await burst(cookie, '/api/sites', (i) => ({ name: `Site ${i}`, domain: `site${i}.example` }));
      // The seeded account has one site already.
      assert.equal(tally(answers), [...Array(SITES - 1).fill(201), ...Array(PARALLEL - SITES + 1).fill(402)].join(','));
      for (const refused of answers.filter((a) => a.status === 402)) {
        assert.deepEqual(refused.body, { error: { code: 'plan_limit', message: `The Free plan allows ${SITES} sites; upgrade to add more.` } });
      }
      const [row] = await opened.db.query<{ n: number }>('select count(*)::int as n from sites where account_id = $1', [owner.accountId]);
      assert.equal(row?.n, SITES);
    });

    it(`${PARALLEL} invitations at once on a ${MEMBERS}-member plan: exactly the free seats are invited, the rest are 402 plan_limit`, async () => {
      const owner = await seedAccount(opened.db);
      const cookie = await signIn(app.url, owner.email, owner.password);
      const answers = await burst(cookie, '/api/invitations', (i) => ({ email: `invitee${i}@example.com` }));
      // The owner is one member: the other seats go to pending invitations.
      assert.equal(tally(answers), [...Array(MEMBERS - 1).fill(201), ...Array(PARALLEL - MEMBERS + 1).fill(402)].join(','));
      for (const refused of answers.filter((a) => a.status === 402)) {
        assert.deepEqual(refused.body, {
          error: { code: 'plan_limit', message: `The Free plan allows ${MEMBERS} team members (invitations included); upgrade to add more.` },
        });
      }
      const [row] = await opened.db.query<{ n: number }>('select count(*)::int as n from invitations where account_id = $1', [owner.accountId]);
      assert.equal(row?.n, MEMBERS - 1);
    });
  });
}
