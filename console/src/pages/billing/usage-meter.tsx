// This period's submissions against the plan's included ones, as a bar: the included part in the
// accent colour, what went past the quota in its own colour beyond a mark at 100%. Drawn in SVG
// (the CSP allows no style attributes, and widths are attributes here); the same figures are in
// the text beside it and in the bar's accessible name.

import { formatNumber } from '../../format.ts';

export interface UsageMeterProps {
  submissions: number;
  included: number;
  percent: number;
  /** Past the quota: held (a free plan) or billed as overage. */
  over: 'held' | 'billed';
}

export function UsageMeter({ submissions, included, percent, over }: UsageMeterProps) {
  const scale = Math.max(included, submissions, 1);
  const within = (Math.min(submissions, included) / scale) * 100;
  const beyond = (Math.max(0, submissions - included) / scale) * 100;
  const quota = (included / scale) * 100;
  const label = `${formatNumber(submissions)} of ${formatNumber(included)} included submissions used (${formatNumber(percent)}%)`;
  return (
    <svg class="usage-bar" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" aria-label={label} data-percent={percent}>
      <rect class="usage-bar-track" x="0" y="0" width="100" height="10" rx="1.5" />
      {within > 0 && <rect class={percent >= 80 ? 'usage-bar-used usage-bar-near' : 'usage-bar-used'} x="0" y="0" width={within} height="10" />}
      {beyond > 0 && <rect class={`usage-bar-over usage-bar-${over}`} x={within} y="0" width={beyond} height="10" />}
      {beyond > 0 && <line class="usage-bar-quota" x1={quota} x2={quota} y1="0" y2="10" />}
    </svg>
  );
}
