// Turnstile and hCaptcha: the widget shows the provider's challenge when a form enables one and
// sends back its token; the service asks the provider whether the token is good. Both providers
// answer the same siteverify protocol (form-encoded secret + response + remoteip → {"success"}).

import type { CaptchaSettings } from '../store/forms.ts';

export interface CaptchaProvider {
  /** The provider's script, which turns elements of `className` into challenges. */
  script: string;
  className: string;
  /** The hidden input the provider adds to a form with the token. */
  responseField: string;
  verifyUrl: string;
}

export const CAPTCHA_PROVIDERS: Record<CaptchaSettings['provider'], CaptchaProvider> = {
  turnstile: {
    script: 'https://challenges.cloudflare.com/turnstile/v0/api.js',
    className: 'cf-turnstile',
    responseField: 'cf-turnstile-response',
    verifyUrl: 'https://challenges.cloudflare.com/turnstile/v0/siteverify',
  },
  hcaptcha: {
    script: 'https://js.hcaptcha.com/1/api.js',
    className: 'h-captcha',
    responseField: 'h-captcha-response',
    verifyUrl: 'https://api.hcaptcha.com/siteverify',
  },
};

/** The names under which a token may arrive: the widget's `_captcha`, or a provider's own field. */
export const CAPTCHA_RESPONSE_FIELDS: readonly string[] = Object.values(CAPTCHA_PROVIDERS).map((p) => p.responseField);

/** good: solved; bad: missing, wrong or expired; unavailable: the provider could not be asked. */
export type CaptchaVerdict = 'good' | 'bad' | 'unavailable';

export type CaptchaVerifier = (settings: CaptchaSettings, token: string | undefined, ip: string | undefined) => Promise<CaptchaVerdict>;

const TIMEOUT_MS = 5_000;

export function captchaVerifier(options: { verifyUrl?: string | undefined } = {}): CaptchaVerifier {
  return async (settings, token, ip) => {
    if (!token) return 'bad';
    const body = new URLSearchParams({ secret: settings.secretKey, response: token });
    if (ip) body.set('remoteip', ip);
    if (settings.provider === 'hcaptcha') body.set('sitekey', settings.siteKey);
    try {
      const res = await fetch(options.verifyUrl ?? CAPTCHA_PROVIDERS[settings.provider].verifyUrl, {
        method: 'POST',
        body,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!res.ok) return 'unavailable';
      const answer = (await res.json()) as { success?: unknown };
      return answer.success === true ? 'good' : 'bad';
    } catch {
      return 'unavailable';
    }
  };
}
