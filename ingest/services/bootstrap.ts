// First start on an empty database: the platform admin (from ADMIN_EMAIL / ADMIN_PASSWORD, or a
// generated password printed once), owner of a demo account with a demo site and two forms (a
// contact form and a waitlist, used by examples/), so a new
// install can be tried at once. Later starts change nothing.

import { OPERATOR_PLAN } from '../billing/plans.ts';
import type { Database } from '../db/database.ts';
import type { FormSchema } from '../../widget/schema.ts';
import { countUsers, saveAccount, saveMembership, saveUser } from '../store/accounts.ts';
import { saveRecipient } from '../store/recipients.ts';
import { DEFAULT_FORM_SETTINGS, saveForm } from '../store/forms.ts';
import { lockBootstrap } from '../store/locks.ts';
import { saveSite } from '../store/sites.ts';
import { randomToken } from './ids.ts';
import { hashPassword } from './passwords.ts';

export const DEMO_FORM_ID = 'f_demo';
export const DEMO_WAITLIST_FORM_ID = 'f_waitlist';

export const DEMO_SCHEMA: FormSchema = {
  fields: [
    { name: 'name', type: 'text', label: 'Your name', required: true, maxLength: 100 },
    { name: 'email', type: 'email', label: 'Email', required: true },
    { name: 'topic', type: 'select', label: 'Topic', options: ['Sales', 'Support'] },
    { name: 'message', type: 'textarea', label: 'Message', required: true, minLength: 10 },
    { name: 'consent', type: 'checkbox', label: 'I agree to be contacted', required: true },
  ],
  submitLabel: 'Send',
  successMessage: 'Thanks! We will be in touch.',
  locale: 'en',
};

export const DEMO_WAITLIST_SCHEMA: FormSchema = {
  fields: [
    { name: 'name', type: 'text', label: 'Name', required: true, maxLength: 100 },
    { name: 'email', type: 'email', label: 'Email', required: true },
    { name: 'phone', type: 'tel', label: 'Phone', placeholder: '+44 20 7946 0958' },
  ],
  submitLabel: 'Join the waitlist',
  successMessage: "You're on the list. We will write when there is a place for you.",
  locale: 'en',
};

export interface BootstrapResult {
  /** False when the database already had users and nothing was created. */
  created: boolean;
  adminEmail: string;
  /** Set only when the password was generated here and must be shown once. */
  generatedPassword: string | undefined;
  demoFormId: string | undefined;
}

export async function bootstrap(
  db: Database,
  options: { adminEmail: string; adminPassword: string | undefined; publicUrl: string; demo: boolean },
): Promise<BootstrapResult> {
  const generatedPassword = options.adminPassword ? undefined : randomToken(12);
  const passwordHash = await hashPassword(options.adminPassword ?? (generatedPassword as string));
  return db.transaction(async (tx) => {
    // Services starting at once on one PostgreSQL: one bootstraps, the others then see its users.
    // (PGlite is one process with one connection: nobody to race with.)
    if (db.kind === 'postgres') await lockBootstrap(tx);
    if ((await countUsers(tx)) > 0) {
      return { created: false, adminEmail: options.adminEmail, generatedPassword: undefined, demoFormId: undefined };
    }
    // The operator's own account is not billed and has no quota (a plan not on sale).
    const account = await saveAccount(tx, { name: 'Demo', plan: OPERATOR_PLAN });
    // The operator chose this address in ADMIN_EMAIL: there is nothing to verify.
    const admin = await saveUser(tx, { email: options.adminEmail, passwordHash, isPlatformAdmin: true, emailVerified: true });
    await saveMembership(tx, { accountId: account.id, userId: admin.id, role: 'owner' });
    let demoFormId: string | undefined;
    if (options.demo) {
      const origin = new URL(options.publicUrl).origin;
      const site = await saveSite(tx, {
        accountId: account.id,
        name: 'Demo site',
        domain: new URL(options.publicUrl).host,
        allowedOrigins: [...new Set([origin, 'http://localhost:8080'])],
      });
      const settings = { ...DEFAULT_FORM_SETTINGS, notifyEmails: [admin.email] };
      const demo = { siteId: site.id, accountId: account.id, settings };
      const form = await saveForm(tx, { ...demo, id: DEMO_FORM_ID, name: 'Contact (demo)', schema: DEMO_SCHEMA });
      await saveForm(tx, { ...demo, id: DEMO_WAITLIST_FORM_ID, name: 'Waitlist (demo)', schema: DEMO_WAITLIST_SCHEMA });
      // The demo forms alert the operator's own, verified address: confirmed, as the console does.
      await saveRecipient(tx, { accountId: account.id, channel: 'email', address: admin.email, confirmed: true });
      demoFormId = form.id;
    }
    return { created: true, adminEmail: admin.email, generatedPassword, demoFormId };
  });
}
