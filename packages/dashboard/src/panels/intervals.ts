import type { StatsData } from '@liveinsight/contract';
import { h } from '../dom.js';
import { offeredIntervals, type Interval, type ViewState } from '../state/view-state.js';

/**
 * The bucket-size buttons: the intervals the last answer lists in `meta.intervals`, the
 * requested one (or else the answer's) pressed. A single choice is no choice: no buttons.
 */
export function intervalButtons(stats: StatsData | undefined, view: ViewState, onPick: (interval: Interval) => void): HTMLElement[] {
  const choices = offeredIntervals(stats);
  if (choices.length < 2) return [];
  const active = view.interval ?? stats?.interval;
  return choices.map((interval) =>
    h(
      'button',
      {
        class: interval === active ? 'selected' : '',
        attrs: { type: 'button', 'aria-pressed': String(interval === active) },
        data: { interval },
        on: { click: () => onPick(interval) },
      },
      interval === 'hour' ? 'Hours' : 'Days',
    ),
  );
}
