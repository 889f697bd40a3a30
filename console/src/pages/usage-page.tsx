// #/usage: the account's submissions per day over the last 30 or 90 days, spam apart, with totals.

import { useState } from 'preact/hooks';
import { api, query } from '../api.ts';
import type { Usage } from '../api-types.ts';
import { LoadError, Loading, PageHeader } from '../feedback.tsx';
import { formatDate, formatNumber } from '../format.ts';
import { useResource } from '../use-resource.ts';
import { UsageChart } from './usage-chart.tsx';

const RANGES = [30, 90] as const;

export function UsagePage() {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const usage = useResource(() => api.get<Usage>(`/api/usage${query({ days })}`), [days]);
  const data = usage.data;
  return (
    <>
      <PageHeader title="Usage" lead="Submissions received by every form of this account, per day (UTC).">
        <div class="segmented" role="group" aria-label="Period">
          {RANGES.map((range) => (
            <button key={range} type="button" class="button" aria-pressed={days === range} onClick={() => setDays(range)}>
              Last {range} days
            </button>
          ))}
        </div>
      </PageHeader>
      {usage.loading && !data && <Loading />}
      <LoadError error={usage.error} retry={usage.reload} />
      {data && (
        <>
          <div class="stats">
            <div class="stat">
              <span class="stat-value">{formatNumber(data.totals.accepted)}</span>
              <span class="stat-label">
                <span class="swatch swatch-accepted" aria-hidden="true" /> accepted
              </span>
            </div>
            <div class="stat">
              <span class="stat-value">{formatNumber(data.totals.spam)}</span>
              <span class="stat-label">
                <span class="swatch swatch-spam" aria-hidden="true" /> spam
              </span>
            </div>
            <div class="stat">
              <span class="stat-value">{formatNumber(data.totals.accepted + data.totals.spam)}</span>
              <span class="stat-label">in all</span>
            </div>
          </div>
          <section class="card" aria-labelledby="chart-title">
            <h2 id="chart-title" class="small-heading">
              Submissions per day, last {data.days.length} days ({formatNumber(data.totals.accepted)} accepted, {formatNumber(data.totals.spam)} spam)
            </h2>
            <UsageChart usage={data} titleId="chart-title" />
            <details class="chart-table">
              <summary>Show the figures as a table</summary>
              <div class="table-wrap">
                <table class="table">
                  <thead>
                    <tr>
                      <th scope="col">Day</th>
                      <th scope="col" class="numeric">
                        Accepted
                      </th>
                      <th scope="col" class="numeric">
                        Spam
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {[...data.days].reverse().map((day) => (
                      <tr key={day.day}>
                        <th scope="row">{formatDate(`${day.day}T12:00:00Z`)}</th>
                        <td class="numeric">{formatNumber(day.accepted)}</td>
                        <td class="numeric">{formatNumber(day.spam)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </details>
          </section>
        </>
      )}
    </>
  );
}
