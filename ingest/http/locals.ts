// What middleware leaves on res.locals for the handlers after it, typed.

import type { SubmissionOutcome } from '../metrics.ts';
import type { PublicForm } from '../store/forms.ts';
import type { ApiKeyContext } from '../services/console-auth.ts';
import type { SessionContext, SessionEndReason } from '../store/sessions.ts';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      /** The signed-in console user and the account being worked on. */
      auth?: SessionContext;
      /** The session cookie sent stands for a session ended elsewhere, and why (an honest 401). */
      sessionEnded?: SessionEndReason;
      /** On a sign-in: the device id of a valid device cookie of the user signing in (their own browser). */
      trustedDevice?: string;
      /** The API key a program presented instead (Authorization: Bearer fl_...). */
      apiKey?: ApiKeyContext;
      /** The form a public route is about. */
      form?: PublicForm;
      /** Answer errors as an HTML page: a browser posted a plain form without JavaScript. */
      respondWithHtml?: boolean;
      /** Where an HTML error page's "go back" link points. */
      backUrl?: string;
      /** How the submission endpoint answered, for the metrics. */
      outcome?: SubmissionOutcome;
      /** This request is a post to the submission endpoint: count its outcome. */
      isSubmission?: boolean;
      /** The visitor's address (after the trust-proxy rules), worked out once per request. */
      clientIp?: string;
      /** The request id, in every log line about this request. */
      requestId?: string;
    }
  }
}

export {};
