// The account's billing (GET /api/billing), kept once for the whole console: the banner about a
// failed payment, the billing page and the inbox's count of held submissions read the same copy.
// The console asks for it once when an owner's session starts (for the banner), and again only
// where fresh figures matter: the billing page on every visit, an inbox when its copy is old.
// Two asks at once share one request; an answer for an account no longer shown is dropped.

import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError } from './api.ts';
import type { Billing } from './api-types.ts';

export interface BillingState {
  data: Billing | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Asks the service again (joining a request already on its way). */
  reload(): Promise<void>;
  /** Asks again only when there is no copy, or it is older than `maxAgeMs`. */
  ensure(maxAgeMs: number): Promise<void>;
}

export const BillingContext = createContext<BillingState | null>(null);

/** The billing of the account `accountId`, loaded at once when `eager`. */
export function useBillingLoader(accountId: string | null, eager: boolean): BillingState {
  // Tagged with its account, so a switch never shows the previous account's figures for a frame.
  const [data, setData] = useState<{ accountId: string | null; billing: Billing } | undefined>(undefined);
  const [error, setError] = useState<ApiError | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const pending = useRef<Promise<void> | null>(null);
  const loadedAt = useRef(0);
  const account = useRef(accountId);

  const reload = useCallback((): Promise<void> => {
    if (pending.current) return pending.current;
    const mine = account.current;
    setLoading(true);
    const request = api
      .get<Billing>('/api/billing')
      .then(
        (billing) => {
          if (mine !== account.current) return;
          setData({ accountId: mine, billing });
          setError(undefined);
          loadedAt.current = Date.now();
        },
        (caught: unknown) => {
          if (mine !== account.current) return;
          setError(caught instanceof ApiError ? caught : new ApiError(0, 'client_error', caught instanceof Error ? caught.message : String(caught)));
        },
      )
      .finally(() => {
        if (pending.current === request) pending.current = null;
        if (mine === account.current) setLoading(false);
      });
    pending.current = request;
    return request;
  }, []);

  const ensure = useCallback((maxAgeMs: number) => (loadedAt.current && Date.now() - loadedAt.current <= maxAgeMs ? Promise.resolve() : reload()), [reload]);

  useEffect(() => {
    account.current = accountId;
    pending.current = null;
    loadedAt.current = 0;
    setData(undefined);
    setError(undefined);
    setLoading(false);
    if (accountId && eager) void reload();
  }, [accountId]);

  return { data: data?.accountId === accountId ? data.billing : undefined, error, loading, reload, ensure };
}

/** The billing state of a signed-in page. */
export function useBilling(): BillingState {
  const state = useContext(BillingContext);
  if (!state) throw new Error('useBilling outside a signed-in page');
  return state;
}
