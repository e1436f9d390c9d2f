import { countryName } from '../format/format.js';
import { fill, h } from '../dom.js';
import type { Filter, FilterDimension } from '../state/view-state.js';

export const FILTER_LABELS: Record<FilterDimension, string> = {
  page: 'Page',
  referrer: 'Referrer',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  country: 'Country',
  browser: 'Browser',
  os: 'OS',
  device: 'Device',
  event: 'Event',
};

/** The active filter as a chip whose ✕ removes it. */
export function renderFilterChip(container: HTMLElement, filter: Filter | undefined, onRemove: () => void): void {
  if (!filter) {
    fill(container);
    return;
  }
  const value = filter.dimension === 'country' ? countryName(filter.value) : filter.value;
  fill(
    container,
    h(
      'span',
      { class: 'chip', data: { dimension: filter.dimension } },
      h('span', { class: 'chip-dimension' }, `${FILTER_LABELS[filter.dimension]} is`),
      h('span', { class: 'chip-value', attrs: { title: filter.value } }, value || '(none)'),
      h(
        'button',
        { class: 'chip-remove', attrs: { type: 'button', 'aria-label': `Remove filter ${FILTER_LABELS[filter.dimension]} is ${value}` }, on: { click: onRemove } },
        '\u00d7',
      ),
    ),
  );
}
