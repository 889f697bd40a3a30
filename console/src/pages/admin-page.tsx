// #/admin (platform administrators): every account with its plan, size, this period's
// submissions and billing status.

import { useState } from 'preact/hooks';
import { api } from '../api.ts';
import type { AdminAccount, Items } from '../api-types.ts';
import { TextField } from '../controls.tsx';
import { LoadError, Loading, PageHeader } from '../feedback.tsx';
import { formatDate, formatNumber } from '../format.ts';
import { useResource } from '../use-resource.ts';
import { BILLING_STATUS } from './billing/billing-terms.ts';

export function AdminPage() {
  const accounts = useResource(() => api.get<Items<AdminAccount>>('/api/admin/accounts'), []);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = (accounts.data?.items ?? []).filter(
    (account) =>
      !needle ||
      [account.name, account.plan, account.billingStatus ?? 'none', BILLING_STATUS[account.billingStatus ?? 'none'] ?? ''].some((text) => text.toLowerCase().includes(needle)),
  );
  const total = shown.reduce((sum, account) => sum + account.submissionsThisPeriod, 0);
  return (
    <>
      <PageHeader title="Admin" lead="Every account on this Formline." />
      {accounts.loading && !accounts.data && <Loading />}
      <LoadError error={accounts.error} retry={accounts.reload} />
      {accounts.data && (
        <section class="card" aria-labelledby="accounts-title">
          <div class="list-header">
            <h2 id="accounts-title">
              Accounts <span class="muted">· {formatNumber(shown.length)}</span>
            </h2>
            <TextField class="field-compact" label="Filter by name, plan or billing status" type="search" value={filter} onInput={setFilter} />
          </div>
          <div class="table-wrap">
            <table class="table">
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Plan</th>
                  <th scope="col" class="numeric">
                    Sites
                  </th>
                  <th scope="col" class="numeric">
                    Members
                  </th>
                  <th scope="col" class="numeric">
                    Submissions this period
                  </th>
                  <th scope="col">Billing</th>
                  <th scope="col">Created</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((account) => (
                  <tr key={account.id}>
                    <th scope="row">{account.name}</th>
                    <td>{account.plan}</td>
                    <td class="numeric">{formatNumber(account.sites)}</td>
                    <td class="numeric">{formatNumber(account.members)}</td>
                    <td class="numeric">{formatNumber(account.submissionsThisPeriod)}</td>
                    <td>
                      <span class={`badge badge-billing-${account.billingStatus ?? 'none'}`} title={account.billingStatus ?? 'none'}>
                        {BILLING_STATUS[account.billingStatus ?? 'none'] ?? account.billingStatus}
                      </span>
                    </td>
                    <td>{formatDate(account.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={4}>
                    Total
                  </th>
                  <td class="numeric">{formatNumber(total)}</td>
                  <td colSpan={2} />
                </tr>
              </tfoot>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
