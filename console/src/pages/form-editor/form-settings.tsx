// A form's settings in the editor: where a visitor goes after sending, who is alerted (email,
// WhatsApp with a test message, a signed webhook), the autoresponse, the captcha and retention.

import { useState } from 'preact/hooks';
import { api, ApiError } from '../../api.ts';
import { CheckboxField, errorAt, lines, SelectField, TextField } from '../../controls.tsx';
import { CopyButton, StatusLine, useStatus } from '../../feedback.tsx';
import type { AlertRecipient, FormSettings } from '../../api-types.ts';
import { useResource } from '../../use-resource.ts';
import type { SettingsDraft } from './schema-draft.ts';

export interface FormSettingsProps {
  formId: string;
  draft: SettingsDraft;
  /** Which secrets are set (never their values), and a webhook secret just made, shown this once. */
  secrets: Pick<FormSettings, 'webhookSecretSet' | 'webhookSecret' | 'captcha'>;
  /** When the form was last saved: the recipients' confirmation states are read again then. */
  savedAt?: string;
  errors: Record<string, string>;
  onChange(draft: SettingsDraft): void;
}

const CAPTCHA_OPTIONS = [
  { value: '', label: 'None (honeypot and time trap only)' },
  { value: 'turnstile', label: 'Cloudflare Turnstile' },
  { value: 'hcaptcha', label: 'hCaptcha' },
] as const;

export function FormSettingsEditor({ formId, draft, secrets, savedAt, errors, onChange }: FormSettingsProps) {
  const set = <K extends keyof SettingsDraft>(key: K) => (value: SettingsDraft[K]) => onChange({ ...draft, [key]: value });
  const error = (key: string) => errorAt(errors, `settings.${key}`);

  return (
    <section class="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>

      <fieldset class="settings-group">
        <legend>After a submission</legend>
        <TextField
          label="Redirect URL"
          type="url"
          hint="Where visitors go after sending. Leave empty to show the success message in place."
          placeholder="https://example.com/thanks"
          value={draft.redirectUrl}
          onInput={set('redirectUrl')}
          error={error('redirectUrl')}
        />
      </fieldset>

      <fieldset class="settings-group">
        <legend>Notifications</legend>
        <TextField
          label="Notification emails"
          rows={3}
          hint="One address per line (up to 20). Each gets every submission that is not spam."
          value={draft.notifyEmails}
          onInput={set('notifyEmails')}
          error={error('notifyEmails')}
          spellcheck={false}
        />
        <TextField
          label="WhatsApp numbers"
          rows={2}
          hint="One per line, in international format such as +14155550100 (up to 10)."
          value={draft.notifyWhatsapp}
          onInput={set('notifyWhatsapp')}
          error={error('notifyWhatsapp')}
          spellcheck={false}
        />
        <RecipientConfirmations emails={lines(draft.notifyEmails)} numbers={lines(draft.notifyWhatsapp)} savedAt={savedAt} />
        <WhatsappTest formId={formId} numbers={lines(draft.notifyWhatsapp)} />
        <TextField
          label="WhatsApp template (Content SID)"
          hint="Optional: an approved Twilio template (HX followed by 32 hex digits) for this form's alerts."
          value={draft.whatsappContentSid}
          onInput={set('whatsappContentSid')}
          error={error('whatsappContentSid')}
          spellcheck={false}
        />
      </fieldset>

      <fieldset class="settings-group">
        <legend>Webhook</legend>
        <TextField
          label="Webhook URL"
          type="url"
          hint="Each submission is posted here as signed JSON (Formline-Signature)."
          placeholder="https://example.com/hooks/formline"
          value={draft.webhookUrl}
          onInput={set('webhookUrl')}
          error={error('webhookUrl')}
          spellcheck={false}
        />
        <WebhookSecret formId={formId} isSet={secrets.webhookSecretSet} made={secrets.webhookSecret ?? null} />
      </fieldset>

      <fieldset class="settings-group">
        <legend>Autoresponse</legend>
        <CheckboxField
          label="Email an automatic reply to whoever sends the form"
          hint="Sent to the address in the form's email field, at most a few times a day per address."
          checked={draft.autoresponse}
          onChange={set('autoresponse')}
          error={error('autoresponse')}
        />
        {draft.autoresponse && (
          <>
            <TextField label="Subject" required value={draft.autoresponseSubject} onInput={set('autoresponseSubject')} error={error('autoresponse.subject')} />
            <TextField
              label="Message"
              required
              rows={4}
              hint="Plain text. {name} is replaced by the value of the field called name, and so on."
              value={draft.autoresponseMessage}
              onInput={set('autoresponseMessage')}
              error={error('autoresponse.message')}
            />
          </>
        )}
      </fieldset>

      <fieldset class="settings-group">
        <legend>Spam protection</legend>
        <SelectField label="Captcha" value={draft.captchaProvider} options={CAPTCHA_OPTIONS} onChange={set('captchaProvider')} error={error('captcha.provider')} />
        {draft.captchaProvider && (
          <>
            <TextField label="Site key" required value={draft.captchaSiteKey} onInput={set('captchaSiteKey')} error={error('captcha.siteKey')} spellcheck={false} />
            <TextField
              label="Secret key"
              type="password"
              required={!secrets.captcha?.secretKeySet}
              autoComplete="off"
              {...(secrets.captcha?.secretKeySet ? { hint: 'Set (never shown). Leave empty to keep it, or type a new key to replace it.' } : {})}
              value={draft.captchaSecretKey}
              onInput={set('captchaSecretKey')}
              error={error('captcha.secretKey')}
            />
          </>
        )}
      </fieldset>

      <fieldset class="settings-group">
        <legend>Retention</legend>
        <TextField
          label="Keep submissions for (days)"
          type="number"
          min={1}
          max={3650}
          inputMode="numeric"
          hint="Older submissions are deleted every day. Leave empty to keep them."
          value={draft.retentionDays}
          onInput={set('retentionDays')}
          error={error('retentionDays')}
        />
      </fieldset>
    </section>
  );
}

/**
 * The signing secret is shown only when it is made (the save that set the first webhook URL, or a
 * rotation here): copy it then. Rotating is an owner's action; the old secret stops signing at once.
 */
function WebhookSecret({ formId, isSet, made }: { formId: string; isSet: boolean; made: string | null }) {
  const [rotated, setRotated] = useState<string | null>(null);
  const status = useStatus();
  const shown = rotated ?? made;
  const rotate = async () => {
    if (!window.confirm('Make a new signing secret? Deliveries are signed with the new one at once; the old one stops verifying.')) return;
    status.busy('Making a new signing secret…');
    try {
      const answer = await api.post<{ webhookSecret: string }>(`/api/forms/${encodeURIComponent(formId)}/webhook-secret`, {});
      setRotated(answer.webhookSecret);
      status.ok('New signing secret made: copy it now, it is not shown again.');
    } catch (error) {
      status.error(error);
    }
  };
  return (
    <div class="field">
      <span class="label-like" id="webhook-secret-label">
        Signing secret
      </span>
      {shown ? (
        <>
          <p class="secret-line">
            <code class="break" aria-labelledby="webhook-secret-label">
              {shown}
            </code>{' '}
            <CopyButton text={shown} what="signing secret" />
          </p>
          <p class="hint">Shown this once: copy it to your receiver now.</p>
        </>
      ) : isSet || rotated ? (
        <p class="hint">Set (never shown again after it is made).</p>
      ) : (
        <p class="hint">Made by Formline when you save a webhook URL.</p>
      )}
      {(isSet || shown) && (
        <p>
          <button type="button" class="button" onClick={rotate} disabled={status.status?.kind === 'busy'}>
            Rotate secret
          </button>{' '}
          <StatusLine status={status.status} class="status-inline" />
        </p>
      )}
    </div>
  );
}

/**
 * Who has not confirmed yet (double opt-in): their alerts wait until they do. A resend is
 * bounded by the service (a few a day per recipient), which says so when it refuses.
 */
function RecipientConfirmations({ emails, numbers, savedAt }: { emails: string[]; numbers: string[]; savedAt: string | undefined }) {
  const recipients = useResource(() => api.get<{ items: AlertRecipient[] }>('/api/recipients'), [savedAt]);
  const known = recipients.data?.items ?? [];
  const listed = [
    ...emails.map((address) => ({ channel: 'email' as const, address: address.normalize('NFKC').toLowerCase() })),
    ...numbers.map((address) => ({ channel: 'whatsapp' as const, address })),
  ];
  const waiting = listed.filter(({ channel, address }) => known.some((r) => r.channel === channel && r.address === address && !r.confirmed));
  if (waiting.length === 0) return null;
  return (
    <div class="field recipient-confirmations">
      <span class="label-like">Waiting for confirmation</span>
      <p class="hint">These recipients get nothing until they confirm with the link we sent them; their alerts wait meanwhile.</p>
      <ul class="plain-list">
        {waiting.map((recipient) => (
          <UnconfirmedRecipient key={`${recipient.channel}:${recipient.address}`} {...recipient} />
        ))}
      </ul>
    </div>
  );
}

function UnconfirmedRecipient({ channel, address }: { channel: 'email' | 'whatsapp'; address: string }) {
  const status = useStatus();
  const resend = async () => {
    status.busy(`Sending the confirmation to ${address} again…`);
    try {
      await api.post('/api/recipients/resend', { channel, address });
      status.ok(`Confirmation sent to ${address} again.`);
    } catch (error) {
      status.error(error);
    }
  };
  return (
    <li>
      <span class="break">{address}</span> <span class="muted">unconfirmed</span>{' '}
      <button type="button" class="button button-small" onClick={resend} disabled={status.status?.kind === 'busy'}>
        Resend confirmation
      </button>
      <StatusLine status={status.status} class="status-inline" />
    </li>
  );
}

function WhatsappTest({ formId, numbers }: { formId: string; numbers: string[] }) {
  // null until typed in: the first number of the list.
  const [chosen, setChosen] = useState<string | null>(null);
  const status = useStatus();
  const to = (chosen ?? numbers[0] ?? '').trim();
  const sendTest = async () => {
    status.busy(`Sending a test to ${to}…`);
    try {
      await api.post(`/api/forms/${encodeURIComponent(formId)}/whatsapp-test`, { to });
      status.ok(`Test message sent to ${to}.`);
    } catch (error) {
      status.error(error instanceof ApiError && error.fields['to'] ? new Error(`${to}: ${error.fields['to']}`) : error);
    }
  };
  return (
    <div class="inline-form whatsapp-test">
      <TextField label="Send a test to" type="tel" placeholder="+14155550100" value={chosen ?? numbers[0] ?? ''} onInput={setChosen} spellcheck={false} />
      <button type="button" class="button" onClick={sendTest} disabled={!to || status.status?.kind === 'busy'}>
        Send a test
      </button>
      <StatusLine status={status.status} class="status-inline" />
    </div>
  );
}
