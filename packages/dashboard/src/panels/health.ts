import type { IngestionHealth } from '@liveinsight/contract';
import type { Table } from '../format/csv.js';
import { formatCount, formatPercent } from '../format/format.js';
import { fill, h } from '../dom.js';

/** `invalid_session_id` → `invalid session id`: reason codes read as words. */
export function reasonLabel(code: string): string {
  return code.replace(/_/g, ' ');
}

function stat(label: string, value: number, tone: string, id: string): HTMLElement {
  return h(
    'div',
    { class: `health-stat ${tone}`, data: { health: id } },
    h('span', { class: 'health-value', data: { value } }, formatCount(value)),
    h('span', { class: 'health-label' }, label),
  );
}

export function renderHealth(container: HTMLElement, health: IngestionHealth | undefined): void {
  if (!health) {
    fill(container, h('p', { class: 'empty-panel muted' }, 'This collector does not report ingestion health.'));
    return;
  }
  const { totals } = health;
  const received = totals.accepted + totals.duplicates + totals.bots + totals.rejected;
  const reasons = Object.entries(totals.rejected_by_reason).sort((a, b) => b[1] - a[1]);
  const days = [...health.days].sort((a, b) => (a.date < b.date ? 1 : -1));
  fill(
    container,
    h(
      'div',
      { class: 'health-summary' },
      stat('accepted', totals.accepted, 'good', 'accepted'),
      stat('rejected', totals.rejected, totals.rejected ? 'bad' : 'neutral', 'rejected'),
      stat('bots ignored', totals.bots, 'neutral', 'bots'),
      stat('duplicates dropped', totals.duplicates, 'neutral', 'duplicates'),
      h(
        'p',
        { class: 'health-ratio muted small' },
        received
          ? `${formatPercent(totals.accepted / received)} of ${formatCount(received)} events received were counted. Retries are dropped as duplicates, so nothing counts twice.`
          : 'No events received in this period.',
      ),
    ),
    reasons.length
      ? h(
          'ul',
          { class: 'reasons', attrs: { 'aria-label': 'Rejected by reason' } },
          ...reasons.map(([code, count]) => h('li', { class: 'reason', data: { reason: code } }, reasonLabel(code), h('strong', null, formatCount(count)))),
        )
      : null,
    days.length
      ? h(
          'div',
          { class: 'table-scroll' },
          h(
            'table',
            { class: 'health-table' },
            h(
              'thead',
              null,
              h('tr', null, ...['Day (UTC)', 'Accepted', 'Rejected', 'Bots', 'Duplicates'].map((c) => h('th', { attrs: { scope: 'col' } }, c))),
            ),
            h(
              'tbody',
              null,
              ...days.map((day) =>
                h(
                  'tr',
                  { data: { date: day.date } },
                  h('td', null, day.date),
                  h('td', { class: 'num' }, formatCount(day.accepted)),
                  h(
                    'td',
                    {
                      class: day.rejected ? 'num bad' : 'num',
                      attrs: {
                        title: Object.entries(day.rejected_by_reason)
                          .map(([code, n]) => `${reasonLabel(code)}: ${n}`)
                          .join('\n'),
                      },
                    },
                    formatCount(day.rejected),
                  ),
                  h('td', { class: 'num' }, formatCount(day.bots)),
                  h('td', { class: 'num' }, formatCount(day.duplicates)),
                ),
              ),
            ),
          ),
        )
      : null,
  );
}

export function healthTable(health: IngestionHealth): Table {
  const reasons = [...new Set(health.days.flatMap((d) => Object.keys(d.rejected_by_reason)))].sort();
  return {
    columns: ['date', 'accepted', 'rejected', 'bots', 'duplicates', ...reasons.map((r) => `rejected_${r}`)],
    rows: health.days.map((d) => [d.date, d.accepted, d.rejected, d.bots, d.duplicates, ...reasons.map((r) => d.rejected_by_reason[r] ?? 0)]),
  };
}
