// What every delivery channel answers for one attempt.

import type { ClaimedJob, JobSubject } from '../store/jobs.ts';

export type ChannelResult =
  /** `providerId`: the provider's id of the message (Twilio's SID), to match its later status reports. */
  | { outcome: 'sent'; providerId?: string }
  /** `permanent`: retrying cannot help (a refused target, a rejected address): dead at once. */
  | { outcome: 'failed'; error: string; permanent?: boolean };

export interface Channel {
  /** `digest`: other submissions to the same form for the same target, to go out in one message. */
  deliver(job: ClaimedJob, subject: JobSubject, digest?: JobSubject[]): Promise<ChannelResult>;
  /** One message per target and form in this many seconds; what arrives meanwhile is sent as a digest. */
  digestSeconds?: number;
  /** Set when the channel cannot deliver (its settings are missing): why its jobs wait. */
  waiting?: string;
  /** A worker delivers this channel's jobs for one target one after another (for per-recipient limits). */
  onePerTargetAtATime?: boolean;
  close?(): void;
}

/** A channel whose settings are missing: the worker leaves its jobs alone; `waiting` says why. */
export function waitingChannel(reason: string): Channel {
  // (Never asked to deliver: the worker does not claim these jobs.)
  return { waiting: reason, deliver: async () => ({ outcome: 'failed', error: reason }) };
}

/** A submission's values as text, in the schema's order with its labels (else as sent). */
export function fieldRows(subject: JobSubject): { label: string; value: string }[] {
  const asText = (value: unknown): string => {
    if (value === null || value === undefined) return '';
    if (typeof value === 'boolean') return value ? 'Yes' : 'No';
    if (Array.isArray(value)) return value.map(asText).join(', ');
    if (typeof value === 'object') return JSON.stringify(value);
    return String(value);
  };
  if (subject.schema) {
    return subject.schema.fields
      .filter((field) => field.type !== 'hidden' || subject.data[field.name] !== undefined)
      .map((field) => ({ label: field.label ?? field.name, value: asText(subject.data[field.name]) }));
  }
  return Object.entries(subject.data).map(([name, value]) => ({ label: name, value: asText(value) }));
}
