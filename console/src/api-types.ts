// The shapes the console API answers with (docs/api.md). The form language itself (FormSchema,
// FieldDefinition) is the widget's, shared with the service.

import type { FormSchema } from '../../widget/schema.ts';

export type Role = 'owner' | 'member';

export interface Session {
  user: { id: string; email: string; isPlatformAdmin: boolean; emailVerified: boolean };
  /** `billingStatus` only from services that send it (else the console asks GET /api/billing once). */
  account: { id: string; name: string; role: Role; plan?: string; billingStatus?: BillingStatus } | null;
  accounts: { id: string; name: string; role: Role }[];
}

export interface Site {
  id: string;
  name: string;
  domain: string;
  allowedOrigins: string[];
  createdAt: string;
  updatedAt: string;
}

export interface FormSettings {
  redirectUrl: string | null;
  notifyEmails: string[];
  notifyWhatsapp: string[];
  whatsappContentSid: string | null;
  webhookUrl: string | null;
  /** Secrets are write-only: answers say whether one is set, never what it is. */
  webhookSecretSet: boolean;
  /** Only in the answer of the request that made the secret (creation, a first webhook URL). */
  webhookSecret?: string;
  retentionDays: number | null;
  autoresponse: { subject: string; message: string } | null;
  captcha: { provider: 'turnstile' | 'hcaptcha'; siteKey: string; secretKeySet: boolean } | null;
}

/** Settings as a save sends them: the captcha secret key only when a new one is typed. */
export type FormSettingsInput = Omit<FormSettings, 'webhookSecret' | 'webhookSecretSet' | 'captcha'> & {
  captcha: { provider: 'turnstile' | 'hcaptcha'; siteKey: string; secretKey?: string } | null;
};

/** An alert recipient of the account (GET /api/recipients): alerts to it wait until it confirms. */
export interface AlertRecipient {
  channel: 'email' | 'whatsapp';
  address: string;
  confirmed: boolean;
  confirmedAt: string | null;
  invitesSent: number;
  lastSentAt: string | null;
}

export interface Form {
  id: string;
  siteId: string;
  name: string;
  schema: FormSchema | null;
  settings: FormSettings;
  createdAt: string;
  updatedAt: string;
}

export interface EmbedSnippets {
  script: string;
  integrity: string;
  render: string;
  enhance: string;
}

export type SubmissionStatus = 'new' | 'read' | 'spam' | 'held';

export type SubmissionValue = string | number | boolean | null | SubmissionValue[] | { [key: string]: SubmissionValue };

export interface Submission {
  id: string;
  formId: string;
  /** null for a held submission (over a free plan's quota): its values stay hidden until an upgrade. */
  data: Record<string, SubmissionValue> | null;
  status: SubmissionStatus;
  createdAt: string;
}

export interface SubmissionDetail extends Submission {
  meta: {
    userAgent?: string | null;
    origin?: string | null;
    referer?: string | null;
    via?: string | null;
    spamReason?: string | null;
    ipHash?: string | null;
  } | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Delivery {
  id: string;
  channel: 'email' | 'whatsapp' | 'webhook' | 'autoresponse';
  target: string;
  status: 'queued' | 'running' | 'done' | 'dead';
  attempts: number;
  lastError: string | null;
  nextAttemptAt: string | null;
  history: { attempt: number; outcome: 'sent' | 'failed' | 'dead'; error: string | null; at: string }[];
}

export interface Usage {
  days: { day: string; accepted: number; spam: number }[];
  totals: { accepted: number; spam: number };
}

export interface ApiKey {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewApiKey {
  id: string;
  name: string;
  prefix: string;
  key: string;
  createdAt: string;
}

export interface Member {
  userId: string;
  email: string;
  role: Role;
  createdAt: string;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  createdAt: string;
  expiresAt: string;
}

export interface InvitationLookup {
  accountName: string;
  email: string;
  role: Role;
  userExists: boolean;
}

export interface AuditEntry {
  id: string;
  action: string;
  actorEmail: string | null;
  target: string | null;
  details: unknown;
  createdAt: string;
}

export interface AdminAccount {
  id: string;
  name: string;
  plan: string;
  createdAt: string;
  sites: number;
  members: number;
  submissionsThisPeriod: number;
  billingStatus: BillingStatus | null;
}

export type BillingStatus = 'none' | 'active' | 'trialing' | 'past_due' | 'restricted' | 'canceled';

export interface Plan {
  id: string;
  name: string;
  priceCents: number;
  includedSubmissions: number;
  /** null: unlimited. */
  sites: number | null;
  members: number | null;
  /** null: submissions past the quota are held instead of billed. */
  overageCentsPer1000: number | null;
  siteFeeCents: number;
  holdsOverQuota: boolean;
}

export interface InvoiceLine {
  kind: 'plan' | 'sites' | 'overage';
  description: string;
  quantity: number;
  /** May be a fraction of a cent (overage, per submission). */
  unitCents: number;
  amountCents: number;
}

export interface Invoice {
  id: string;
  periodStart: string;
  periodEnd: string;
  plan: string;
  lines: InvoiceLine[];
  totalCents: number;
  currency: string;
  status: 'open' | 'paid' | 'payment_failed' | 'uncollected' | 'void';
  hostedUrl: string | null;
}

export interface Billing {
  mode: 'stripe' | 'local';
  banner: string | null;
  currency: string;
  /** The plan the account is held to (the free plan's limits while restricted). */
  plan: Plan;
  /** The plan the account is on (or pays for). */
  subscribedPlan: string;
  status: BillingStatus;
  paymentFailedAt: string | null;
  graceDays: number;
  hasSubscription: boolean;
  period: {
    start: string;
    /** The first day of the next period. */
    end: string;
    submissions: number;
    spam: number;
    included: number;
    percent: number;
    held: number;
    sites: number;
    members: number;
    amountCents: number;
    projectedSubmissions: number;
    projectedCents: number;
    lines: InvoiceLine[];
  };
  plans: Plan[];
  invoices: Invoice[];
}

export interface Items<T> {
  items: T[];
}
