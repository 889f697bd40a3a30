// The composition root of the HTTP service: builds the services from their clients and mounts
// every route from one flat table, so all URLs the service answers are listed here.

import { fileURLToPath } from 'node:url';
import cookieParser from 'cookie-parser';
import express, { type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { UnsupportedMediaTypeError } from './errors.ts';
import { allowApiKey, csrfGuard, requireOwner, requirePlatformAdmin, requireSession, sessionLoader } from './http/console-session.ts';
import { errorHandler, notFoundHandler } from './http/errors.ts';
import { clientIp, createLimiter, type LimiterStoreFactory } from './http/rate-limits.ts';
import type { Logger } from './logger.ts';
import { observeRequests } from './http/observe.ts';
import { steps } from './http/steps.ts';
import type { Metrics } from './metrics.ts';
import { waitingReasons } from './notify/waiting.ts';
import { Billing, holdingCaps } from './billing/billing.ts';
import { stripeGateway } from './billing/stripe-gateway.ts';
import { adminRoutes } from './routes/admin.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { auditRoutes } from './routes/audit.ts';
import { billingRoutes } from './routes/billing.ts';
import { deliveryRoutes } from './routes/deliveries.ts';
import { embedRoutes, embedSnippets } from './routes/embed.ts';
import { exportRoutes } from './routes/exports.ts';
import { formRoutes } from './routes/forms.ts';
import { healthRoutes } from './routes/health.ts';
import { publicFormRoutes } from './routes/public-forms.ts';
import { sessionRoutes } from './routes/session.ts';
import { siteRoutes } from './routes/sites.ts';
import { submissionRoutes } from './routes/submissions.ts';
import { teamRoutes } from './routes/team.ts';
import { twilioStatusRoutes } from './routes/twilio-status.ts';
import { usageRoutes } from './routes/usage.ts';
import { AccountMail } from './services/account-mail.ts';
import { AccountService } from './services/accounts.ts';
import { whatsappConfirmation, whatsappTest } from './notify/whatsapp.ts';
import { recipientRoutes } from './routes/recipients.ts';
import { AlertRecipients } from './services/alert-recipients.ts';
import { captchaVerifier } from './services/captcha.ts';
import { ConsoleAuth, DEVICE_COOKIE } from './services/console-auth.ts';
import { normalizeEmail } from './services/email-address.ts';
import { FormDirectory } from './services/form-directory.ts';
import type { Secrets } from './services/secrets.ts';
import { SubmissionIntake } from './services/submission-intake.ts';
import { SubmissionWriter } from './services/submission-writer.ts';
import type { WidgetBundle } from './services/widget-bundle.ts';
import type { ConsoleBundle } from './services/console-bundle.ts';

export interface AppDeps {
  config: Readonly<Config>;
  db: Database;
  logger: Logger;
  metrics: Metrics;
  secrets: Secrets;
  limiterStores: LimiterStoreFactory;
  /** The embed script, built (widgetBundle()) before the app. */
  widget: WidgetBundle;
  /** The console SPA, built (consoleBundle()) before the app. */
  consoleApp: ConsoleBundle;
}

export interface App {
  app: express.Express;
  /** Resolves once every accepted submission is written (for a graceful stop). */
  drain(): Promise<void>;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete' | 'options';
type Route = [Method, string, ...RequestHandler[]];

const MINUTE = 60_000;
const CONSOLE_DIR = fileURLToPath(new URL('../console/', import.meta.url));
const EXAMPLES_DIR = fileURLToPath(new URL('../examples/', import.meta.url));
const API_BODY_LIMIT = '256kb';
const STRIPE_WEBHOOK_BODY_LIMIT = '1mb';

/** /api takes JSON only: a body of any other type is refused up front with 415. */
const jsonOnly: RequestHandler = (req, _res, next) => {
  const length = req.headers['content-length'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
  if (!hasBody || req.is('application/json')) return next();
  next(new UnsupportedMediaTypeError('The API takes application/json.'));
};

/**
 * helmet everywhere. Pages (the console, the examples, the thank-you and error pages) get
 * helmet's full set; JSON answers of the public API get the headers that matter for data read
 * cross-origin (nosniff, CORP cross-origin, no referrer) and not the document ones (CSP, frame
 * options, ...), which do nothing for JSON and cost every client bytes on every submission.
 * HTTPS-only headers only when served over HTTPS.
 */
function securityHeaders(publicUrl: string): { headers: RequestHandler; document: RequestHandler } {
  const https = publicUrl.startsWith('https:');
  const common = {
    strictTransportSecurity: https,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null } },
  };
  const publicApi = helmet({
    contentSecurityPolicy: false,
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    originAgentCluster: false,
    strictTransportSecurity: https,
    xDnsPrefetchControl: false,
    xDownloadOptions: false,
    xFrameOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
  });
  const publicDocument = helmet({ ...common, crossOriginResourcePolicy: { policy: 'cross-origin' } });
  // The console: scripts, styles and requests from its own origin only; nothing inline, no frames.
  const consoleHelmet = helmet({
    ...common,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
  });
  // The example pages stand for a site owner's own pages, which post to this service by its
  // absolute URL (whatever host name the browser used to reach the page).
  // They keep the browser's default referrer policy: under helmet's no-referrer a plain HTML form
  // post carries `Origin: null`, which the origin check cannot tell from any other page's.
  const examplesHelmet = helmet({
    ...common,
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: https ? [] : null, formAction: null } },
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
  });
  return {
    headers(req, res, next) {
      if (req.path.startsWith('/v1/') || req.path.startsWith('/w.')) return publicApi(req, res, next);
      if (req.path.startsWith('/examples/')) return examplesHelmet(req, res, next);
      return consoleHelmet(req, res, next);
    },
    document: publicDocument,
  };
}

export function createApp(deps: AppDeps): App {
  const { config, db, logger, metrics, secrets } = deps;
  const forms = new FormDirectory(db);
  const writer = new SubmissionWriter(db, {
    maxBatch: config.submissionBatchSize,
    // At most two batches in flight, the second only for a backlog: more batches only make each
    // smaller (more commits per submission) without adding throughput.
    maxInFlight: Math.min(2, db.concurrency),
    parallelThreshold: Math.ceil(config.submissionBatchSize / 4),
    onBatch: (size) => metrics.submissionBatchSize.observe(size),
    holdingCaps: holdingCaps(config.plans),
  });
  const intake = new SubmissionIntake(writer, secrets, captchaVerifier({ verifyUrl: config.captcha.verifyUrl }), db);
  const auth = new ConsoleAuth(db, { idleMinutes: config.sessionIdleMinutes, deviceKey: secrets.deviceKey });
  const accountMail = new AccountMail(config.publicUrl, config.limits.accountEmailsPerAddressPerHour);
  const billing = new Billing(db, config.plans, stripeGateway(config.stripe), accountMail, {
    publicUrl: config.publicUrl,
    graceDays: config.billing.graceDays,
    meterEventName: config.stripe.meterEventName,
  });
  const accounts = new AccountService(db, auth, accountMail, billing, config.signups);

  const limiter = (options: Parameters<typeof createLimiter>[0]) => createLimiter(options, deps.limiterStores, logger);
  const perIpLimit = limiter({ name: 'ip', windowMs: MINUTE, limit: config.limits.ipPerMinute, key: clientIp });
  const perFormLimit = limiter({
    name: 'form',
    windowMs: MINUTE,
    limit: config.limits.formPerMinute,
    key: (req) => String(req.params['formId']),
    message: 'This form is receiving too many submissions; try again shortly.',
  });
  // Failed sign-ins are limited three ways: per address and email (a guess at one password),
  // per address (one machine trying many emails), per email (many machines trying one account).
  // The email is keyed in the one normal form the look-up uses. A browser carrying a valid device
  // cookie of that user (it signed in as them before) is counted per device instead of per
  // email, so strangers' guesses cannot lock the owner out, and a device still gets only so many.
  const signInEmail = (req: express.Request): string => {
    const email: unknown = (req.body as { email?: unknown } | undefined)?.email;
    return typeof email === 'string' ? normalizeEmail(email.slice(0, 320)) : '';
  };
  const signInSubject = (req: express.Request, res: express.Response): string =>
    res.locals.trustedDevice ? `device:${res.locals.trustedDevice}` : `email:${signInEmail(req)}`;
  const recogniseDevice: RequestHandler = async (req, res, next) => {
    const cookie: unknown = req.cookies?.[DEVICE_COOKIE];
    const email = signInEmail(req);
    if (cookie !== undefined && email) res.locals.trustedDevice = (await auth.trustedDevice(email, cookie)) ?? undefined;
    next();
  };
  const signInLimit = (name: string, limit: number, key: (req: express.Request, res: express.Response) => string) =>
    limiter({
      name,
      windowMs: 15 * MINUTE,
      limit,
      key,
      skipSuccessfulRequests: true,
      message: 'Too many sign-in attempts; wait a few minutes and try again.',
    });
  const signInLimiters = [
    recogniseDevice,
    signInLimit('signin', config.limits.loginAttemptsPer15Minutes, (req, res) => `${clientIp(req, res)}|${signInSubject(req, res)}`),
    signInLimit('signin-ip', config.limits.loginAttemptsPerIpPer15Minutes, clientIp),
    signInLimit('signin-email', config.limits.loginAttemptsPerEmailPer15Minutes, signInSubject),
  ];
  const signUpLimiter = limiter({
    name: 'signup',
    windowMs: 60 * MINUTE,
    limit: config.limits.signUpsPerHour,
    key: clientIp,
    message: 'Too many sign-ups from this address; try again later.',
  });
  const passwordResetLimiter = limiter({
    name: 'reset',
    windowMs: 15 * MINUTE,
    limit: config.limits.loginAttemptsPer15Minutes,
    key: clientIp,
    message: 'Too many password reset requests; wait a few minutes and try again.',
  });

  const security = securityHeaders(config.publicUrl);
  const pub = publicFormRoutes({
    forms,
    intake,
    secrets,
    maxBodyBytes: config.limits.maxBodyBytes,
    documentHeaders: security.document,
    captchaScriptUrl: config.captcha.scriptUrl,
  });
  const health = healthRoutes(db, metrics, { metricsToken: config.metrics.token, metricsElsewhere: config.metrics.listen !== undefined });
  const session = sessionRoutes(auth, accounts, config.publicUrl);
  const team = teamRoutes(db, auth, accounts, session);
  const sites = siteRoutes(db, forms, billing);
  const alertRecipients = new AlertRecipients(config.publicUrl, whatsappConfirmation(config.twilio), config.limits.recipientConfirmationsPerDay);
  const recipientApi = recipientRoutes(db, alertRecipients);
  // Each WhatsApp test is a paid message to a number of the user's choosing: a few an hour per account.
  const whatsappTestLimit = limiter({
    name: 'whatsapp-test',
    windowMs: 60 * MINUTE,
    limit: config.limits.whatsappTestsPerHour,
    key: (_req, res) => String(res.locals.auth?.accountId),
    message: `At most ${config.limits.whatsappTestsPerHour} WhatsApp tests an hour per account; try again later.`,
  });
  const formApi = formRoutes(
    db,
    forms,
    (formId) => embedSnippets(config.publicUrl, deps.widget, formId),
    whatsappTest(config.twilio, `${config.publicUrl}/console/`),
    config.worker.allowPrivateWebhooks,
    alertRecipients,
    whatsappTestLimit,
  );
  const embed = embedRoutes(deps.widget, db);
  const submissions = submissionRoutes(db);
  const exports = exportRoutes(db);
  const deliveries = deliveryRoutes(db, waitingReasons(config));
  const twilioStatus = twilioStatusRoutes(db, config, logger);
  const keys = apiKeyRoutes(db);
  const usage = usageRoutes(db);
  const audit = auditRoutes(db);
  const admin = adminRoutes(db);
  const billingApi = billingRoutes(billing);

  // The submission route comes first: the router tries routes in order, and it is the hot one.
  const routes: Route[] = [
    // The order DESIGN.md fixes: body limit, origin, rate limits, then spam, validation, idempotency, write.
    ['post', '/v1/f/:formId', steps(pub.receive, pub.loadForm, pub.checkOrigin, perIpLimit, perFormLimit, pub.submit)],

    ['get', '/w.js', embed.latest],
    ['get', '/console/app.js', embed.consoleScript(deps.consoleApp)],
    ['get', '/w.:hash.js', embed.pinned],
    ['get', '/healthz', health.live],
    ['get', '/readyz', health.ready],
    ['get', '/metrics', health.scrape],

    ['get', '/v1/forms/:formId', pub.loadForm, pub.checkOrigin, pub.definition],
    ['options', '/v1/forms/:formId', pub.loadForm, pub.preflight],
    ['options', '/v1/f/:formId', pub.loadForm, pub.preflight],
    ['get', '/v1/f/:formId/thanks', pub.loadForm, pub.thanks],
    ['post', '/v1/stripe/webhook', express.raw({ type: () => true, limit: STRIPE_WEBHOOK_BODY_LIMIT }), billingApi.webhook],
    ['post', '/v1/twilio/status', twilioStatus.receive, twilioStatus.callback],
    ['get', '/v1/recipients/confirm', recipientApi.confirmPage],
    ['post', '/v1/recipients/confirm', express.urlencoded({ extended: false, limit: '2kb' }), recipientApi.confirm],

    // Who is signed in. (requireSession: a console user; allowApiKey: a user or an API key,
    // for reading and exporting; requireOwner: an owner of the account being worked on.)
    ['post', '/api/signup', signUpLimiter, session.signUp],
    ['post', '/api/session', ...signInLimiters, session.signIn],
    ['get', '/api/session', session.current],
    ['delete', '/api/session', session.signOut],
    ['put', '/api/session/account', requireSession, session.switchAccount],
    ['post', '/api/email-verification', session.verifyEmail],
    ['post', '/api/email-verification/resend', requireSession, session.resendVerification],
    ['post', '/api/password-reset', passwordResetLimiter, session.requestPasswordReset],
    ['post', '/api/password-reset/confirm', passwordResetLimiter, session.resetPassword],

    ['get', '/api/members', requireSession, team.members],
    ['patch', '/api/members/:userId', requireOwner, team.changeRole],
    ['delete', '/api/members/:userId', requireSession, team.remove],
    ['get', '/api/invitations/lookup', team.lookup],
    ['post', '/api/invitations/accept', team.accept],
    ['get', '/api/invitations', requireOwner, team.invitations],
    ['post', '/api/invitations', requireOwner, team.invite],
    ['delete', '/api/invitations/:id', requireOwner, team.cancel],

    ['get', '/api/sites', allowApiKey, sites.list],
    ['post', '/api/sites', requireOwner, sites.create],
    ['get', '/api/sites/:siteId', allowApiKey, sites.get],
    ['patch', '/api/sites/:siteId', requireOwner, sites.update],
    ['delete', '/api/sites/:siteId', requireOwner, sites.remove],

    ['get', '/api/forms', allowApiKey, formApi.list],
    ['post', '/api/forms', requireSession, formApi.create],
    ['get', '/api/forms/:formId', allowApiKey, formApi.get],
    ['patch', '/api/forms/:formId', requireSession, formApi.update],
    ['delete', '/api/forms/:formId', requireOwner, formApi.remove],
    ['get', '/api/forms/:formId/embed', requireSession, formApi.embed],
    ['post', '/api/forms/:formId/webhook-secret', requireOwner, formApi.rotateWebhookSecret],
    ['post', '/api/forms/:formId/whatsapp-test', requireSession, formApi.testWhatsapp],
    ['get', '/api/recipients', requireSession, recipientApi.list],
    ['post', '/api/recipients/resend', requireSession, recipientApi.resend],
    ['get', '/api/forms/:formId/submissions', allowApiKey, submissions.list],
    ['get', '/api/forms/:formId/submissions.csv', allowApiKey, exports.csv],
    ['get', '/api/forms/:formId/submissions.json', allowApiKey, exports.json],

    ['post', '/api/submissions/batch', requireSession, submissions.batch],
    ['get', '/api/submissions/:id', allowApiKey, submissions.get],
    ['patch', '/api/submissions/:id', requireSession, submissions.update],
    ['delete', '/api/submissions/:id', requireOwner, submissions.remove],
    ['get', '/api/submissions/:id/deliveries', allowApiKey, deliveries.list],
    ['post', '/api/deliveries/:id/retry', requireSession, deliveries.retry],
    ['post', '/api/erasure', requireOwner, submissions.erase],

    ['get', '/api/usage', allowApiKey, usage.get],
    ['get', '/api/keys', requireOwner, keys.list],
    ['post', '/api/keys', requireOwner, keys.create],
    ['delete', '/api/keys/:id', requireOwner, keys.revoke],
    ['get', '/api/audit', requireOwner, audit.list],
    ['get', '/api/billing', requireSession, billingApi.overview],
    ['post', '/api/billing/checkout', requireOwner, billingApi.checkout],
    ['post', '/api/billing/portal', requireOwner, billingApi.portal],
    ['get', '/api/admin/accounts', requirePlatformAdmin, admin.accounts],
  ];

  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.set('etag', false);
  app.use(steps(observeRequests(logger, metrics), security.headers));

  // Public routes first; the console's cookie, JSON and CSRF handling only for /api.
  for (const [method, path, ...handlers] of routes) if (!path.startsWith('/api/')) app[method](path, ...handlers);
  app.use('/api', cookieParser(), jsonOnly, express.json({ limit: API_BODY_LIMIT }), csrfGuard(config.publicUrl), sessionLoader(auth));
  for (const [method, path, ...handlers] of routes) if (path.startsWith('/api/')) app[method](path, ...handlers);
  app.use('/console', express.static(CONSOLE_DIR));
  app.use('/examples', express.static(EXAMPLES_DIR));

  app.use(notFoundHandler);
  app.use(errorHandler(logger));
  return { app, drain: () => writer.drain() };
}
