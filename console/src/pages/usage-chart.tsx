// Submissions per day as stacked SVG bars: accepted below, spam on top in its own colour. Written
// by hand (a few rectangles need no chart library); the same figures are in a table beside it for
// screen readers and for anyone who wants the numbers.

import type { Usage } from '../api-types.ts';
import { formatDate, formatNumber } from '../format.ts';

const WIDTH = 960;
const HEIGHT = 240;
const PAD = { top: 12, right: 8, bottom: 28, left: 44 };

/** A round top for the axis: 1, 2, 5, 10, 20, 50, ... at or above the largest day. */
export function niceMax(value: number): number {
  if (value <= 4) return 4;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function shortDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' }).format(date);
}

export function UsageChart({ usage, titleId }: { usage: Usage; titleId: string }) {
  const days = usage.days;
  const top = niceMax(Math.max(0, ...days.map((day) => day.accepted + day.spam)));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const slot = plotWidth / Math.max(1, days.length);
  const bar = Math.max(1, slot * 0.72);
  const y = (value: number) => PAD.top + plotHeight - (value / top) * plotHeight;
  const ticks = [0, top / 2, top];
  // About six date labels, whatever the range.
  const labelEvery = Math.max(1, Math.ceil(days.length / 6));

  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-labelledby={titleId}>
      {ticks.map((tick) => (
        <g key={tick}>
          <line class="chart-grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
          <text class="chart-label" x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
            {formatNumber(tick)}
          </text>
        </g>
      ))}
      {days.map((day, index) => {
        const x = PAD.left + index * slot + (slot - bar) / 2;
        const acceptedTop = y(day.accepted);
        const spamTop = y(day.accepted + day.spam);
        return (
          <g key={day.day}>
            <title>{`${formatDate(`${day.day}T12:00:00Z`)}: ${formatNumber(day.accepted)} accepted, ${formatNumber(day.spam)} spam`}</title>
            {day.accepted > 0 && <rect class="chart-accepted" x={x} y={acceptedTop} width={bar} height={y(0) - acceptedTop} />}
            {day.spam > 0 && <rect class="chart-spam" x={x} y={spamTop} width={bar} height={acceptedTop - spamTop} />}
            {index % labelEvery === 0 && (
              <text class="chart-label" x={x + bar / 2} y={HEIGHT - 8} text-anchor="middle">
                {shortDay(day.day)}
              </text>
            )}
          </g>
        );
      })}
      <line class="chart-axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(0)} y2={y(0)} />
    </svg>
  );
}
