// Building the page from data without ever parsing data as HTML: every text goes through
// textContent, so nothing a supplier's feed or a user typed can become markup or script.

/** h('a', {href: '#/x', class: 'y'}, 'text', child) → element. */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (value === true) {
      element.setAttribute(name, '');
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the children of `element`. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

const money = new Intl.NumberFormat('ru-RU', { style: 'currency', currency: 'RUB' });
const count = new Intl.NumberFormat('ru-RU');
const when = new Intl.DateTimeFormat('ru-RU', { dateStyle: 'short', timeStyle: 'short' });

/** Kopecks (an integer) as roubles: 24990000 → "249 900,00 ₽". */
export const rub = (kopecks) => (kopecks === null || kopecks === undefined ? '—' : money.format(kopecks / 100));
export const num = (n) => (n === null || n === undefined ? '—' : count.format(n));
/** A fractional figure with at most `digits` decimals, Russian style: 0.14 → "0,14". */
export const dec = (n, digits) => (n === null || n === undefined ? '—' : n.toLocaleString('ru-RU', { maximumFractionDigits: digits }));
export const at = (iso) => (iso ? when.format(new Date(iso)) : '—');

/** A status badge: `ok`, `bad` or `warn` styling. */
export function badge(text, kind) {
  return h('span', { class: `badge ${kind || ''}` }, text);
}

/** A message for an error from the API (its own text, which says what to do). */
export function errorBox(error) {
  return h('p', { class: 'error', role: 'alert' }, error.message || String(error));
}
