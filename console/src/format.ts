// How dates, numbers and submitted values read in the console. Values are turned into plain
// strings here and shown as text nodes by Preact: nothing a visitor typed is ever parsed as HTML.

import type { SubmissionValue } from './api-types.ts';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const numbers = new Intl.NumberFormat();

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateOnly.format(date);
}

export function formatNumber(value: number): string {
  return numbers.format(value);
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A submitted value as one line of text: lists joined, yes/no for booleans, JSON for the rest. */
export function valueText(value: SubmissionValue | undefined): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map((item) => valueText(item)).join(', ');
  return JSON.stringify(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatNumber(count)} ${count === 1 ? one : many}`;
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** An amount in cents of `currency` (ISO 4217, any case), e.g. $10.00; fractions of a cent kept to 4 digits. */
export function formatMoney(cents: number, currency: string): string {
  const code = currency.toUpperCase();
  const fraction = Number.isInteger(cents) ? 'whole' : 'fraction';
  const key = `${code}:${fraction}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(undefined, { style: 'currency', currency: code, ...(fraction === 'fraction' ? { maximumFractionDigits: 4 } : {}) });
    moneyFormats.set(key, format);
  }
  return format.format(cents / 100);
}

const dayFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** A calendar day of the service (YYYY-MM-DD, UTC) as it reads, whatever the browser's time zone. */
export function formatDay(day: string, offsetDays = 0): string {
  const time = Date.parse(`${day.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(time) ? day : dayFormat.format(new Date(time + offsetDays * 86_400_000));
}
