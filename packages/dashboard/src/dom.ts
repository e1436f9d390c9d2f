/**
 * The only way the dashboard builds elements. Children that are strings become text
 * nodes, so data from the API can never turn into markup; attributes are set one by one
 * from names written in our code.
 */

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  /** Attribute values are text; names come from our code, never from data. */
  attrs?: Record<string, string | number | boolean | undefined>;
  data?: Record<string, string | number>;
  /** Set through the CSSOM, which a strict Content-Security-Policy allows (style attributes it would not). */
  style?: Record<string, string>;
  on?: { [K in keyof HTMLElementEventMap]?: (event: HTMLElementEventMap[K]) => void };
}

function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  if (props?.class) element.className = props.class;
  for (const [name, value] of Object.entries(props?.attrs ?? {})) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const [name, value] of Object.entries(props?.data ?? {})) element.dataset[name] = String(value);
  for (const [name, value] of Object.entries(props?.style ?? {})) element.style.setProperty(name, value);
  for (const [type, listener] of Object.entries(props?.on ?? {})) {
    element.addEventListener(type, listener as EventListener);
  }
  append(element, children);
  return element;
}

const SVG_NS = 'http://www.w3.org/2000/svg';

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number> = {},
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  append(element, children);
  return element;
}

/** Replaces an element's content with the given children. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string, root: Document = document): T {
  const element = root.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
}
