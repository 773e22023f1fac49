/** Tiny DOM helpers: elements are always built with DOM APIs, never from HTML strings. */

export type Child = Node | string | null | undefined | false;
export type Props = Record<string, string | number | boolean | null | undefined>;

/**
 * Creates an element. `class` sets className, `text` sets textContent, every other key is set as
 * an attribute (`true` → empty attribute; `false`, `null` and `undefined` are skipped).
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = String(value);
    else if (key === 'text') el.textContent = String(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child);
  }
  return el;
}

/** Looks up an element that index.html is known to contain, checking its type. */
export function byId<T extends HTMLElement>(id: string, type: { new (): T; prototype: T }): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`#${id} is missing from the page`);
  return el;
}

let sequence = 0;

/** A page-unique id for label/aria wiring. */
export function uid(prefix: string): string {
  sequence += 1;
  return `${prefix}-${String(sequence)}`;
}
