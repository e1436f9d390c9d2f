import { countryName } from '../format/format.js';
import { fill, h } from '../dom.js';
import { DIMENSIONS, OPERATORS, PROPS_PREFIX, propKey, type Dimension, type Filter, type NamedDimension, type Operator } from '../state/view-state.js';

export const FILTER_LABELS: Record<NamedDimension, string> = {
  page: 'Page',
  entry_page: 'Entry page',
  exit_page: 'Exit page',
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

export const OPERATOR_LABELS: Record<Operator, string> = { is: 'is', is_not: 'is not', contains: 'contains' };

/** The select's value for "a custom property": no dimension is called that. */
const PROPERTY = 'prop';

export function dimensionLabel(dimension: Dimension): string {
  const key = propKey(dimension);
  return key === undefined ? FILTER_LABELS[dimension as NamedDimension] : `Property ${key}`;
}

function operatorSelect(selected: Operator, label: string, onChange?: (op: Operator) => void): HTMLSelectElement {
  const select = h(
    'select',
    { class: 'chip-op', attrs: { name: 'op', 'aria-label': label }, on: onChange ? { change: () => onChange(select.value as Operator) } : {} },
    ...OPERATORS.map((op) => h('option', { attrs: { value: op } }, OPERATOR_LABELS[op])),
  );
  select.value = selected;
  return select;
}

export interface ChipActions {
  onRemove(index: number): void;
  onOperator(index: number, op: Operator): void;
}

/**
 * The chips, in order, each with its operator as a select and a ✕ that removes it. Focus
 * inside a chip moves to the same control of the chip now at its place, so a keyboard
 * user who changed an operator or removed a chip is not sent back to the page's top.
 */
export function renderFilterChips(container: HTMLElement, filters: readonly Filter[] | undefined, actions: ChipActions): void {
  const focused = document.activeElement;
  const at = focused && container.contains(focused) ? [...container.children].findIndex((chip) => chip.contains(focused)) : -1;
  fill(
    container,
    ...(filters ?? []).map((filter, index) => {
      const label = dimensionLabel(filter.dimension);
      const value = filter.dimension === 'country' ? countryName(filter.value) : filter.value;
      return h(
        'span',
        { class: 'chip', data: { dimension: filter.dimension, op: filter.op } },
        h('span', { class: 'chip-dimension' }, label),
        operatorSelect(filter.op, `How ${label} compares`, (op) => actions.onOperator(index, op)),
        h('span', { class: 'chip-value', attrs: { title: filter.value } }, value),
        h(
          'button',
          {
            class: 'chip-remove',
            attrs: { type: 'button', 'aria-label': `Remove filter ${label} ${OPERATOR_LABELS[filter.op]} ${value}` },
            on: { click: () => actions.onRemove(index) },
          },
          '\u00d7',
        ),
      );
    }),
  );
  if (at >= 0) (container.children[at] ?? container.lastElementChild)?.querySelector<HTMLElement>(`.${focused!.classList[0]}`)?.focus();
}

/**
 * The form that adds a chip by hand: a dimension (or "Property…" with its key), an
 * operator and a value. Built once: the chips re-render on every change, this keeps what
 * is being typed.
 */
export function createFilterForm(container: HTMLElement, onAdd: (filter: Filter) => void): void {
  const field = (label: string, control: HTMLElement, extra?: string) =>
    h('label', { class: `filter-field${extra ? ` ${extra}` : ''}` }, h('span', { class: 'sr-only' }, label), control);
  const dimension = h(
    'select',
    { attrs: { name: 'dimension' } },
    ...DIMENSIONS.map((d) => h('option', { attrs: { value: d } }, FILTER_LABELS[d])),
    h('option', { attrs: { value: PROPERTY } }, 'Property\u2026'),
  );
  const key = h('input', { attrs: { name: 'key', type: 'text', placeholder: 'property key', spellcheck: 'false', autocomplete: 'off' } });
  const op = operatorSelect('is', 'Operator');
  const value = h('input', { attrs: { name: 'value', type: 'text', placeholder: 'value', spellcheck: 'false', autocomplete: 'off', required: true } });
  const keyField = field('Property key', key);
  const showKey = () => {
    keyField.hidden = dimension.value !== PROPERTY;
    key.required = !keyField.hidden;
  };
  dimension.addEventListener('change', showKey);
  showKey();
  const form = h(
    'form',
    {
      class: 'filter-form',
      attrs: { 'aria-label': 'Add a filter', novalidate: true },
      on: {
        submit: (event) => {
          event.preventDefault();
          const typed = value.value.trim();
          const name = key.value.trim();
          if (!typed || (dimension.value === PROPERTY && !name)) {
            (typed ? key : value).focus();
            return;
          }
          onAdd({
            dimension: dimension.value === PROPERTY ? `${PROPS_PREFIX}${name}` : (dimension.value as NamedDimension),
            op: op.value as Operator,
            value: typed,
          });
          value.value = '';
          const details = container.closest('details');
          if (details) details.open = false;
        },
      },
    },
    field('Dimension', dimension),
    keyField,
    field('Operator', op),
    field('Value', value),
    h('button', { class: 'button primary', attrs: { type: 'submit' } }, 'Add'),
  );
  fill(container, form);
}
