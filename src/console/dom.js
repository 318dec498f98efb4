// The page builds every node with createElement and textContent: no string is
// ever parsed as HTML, which is what the console's Trusted Types policy
// ('require-trusted-types-for script', no policies) enforces.

const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in element) element.value = String(value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** An HTML element: h('a', { href: '#/x' }, 'text', child...). */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

const EVENT_NAMES = {
  collection: 'Collection',
  consultation: 'Consultation (register or ledger read)',
  disclosure: 'Disclosure',
  combination: 'Combination',
  alteration: 'Alteration',
  erasure: 'Erasure',
  refusal: 'Refusal',
  delivered: 'Delivered',
  'delivery-failed': 'Delivery failed',
  'delivery-replayed': 'Delivery replayed',
  collected: 'Collected',
  acknowledged: 'Acknowledged',
  expired: 'Expired',
  'audit-read': 'Audit log read',
  'policy-loaded': 'Policy loaded',
  'certificate-revoked': 'Certificate revoked',
  'authentication-failed': 'Authentication failed',
  'key-rotated': 'Key rotated',
};
export const EVENTS = Object.keys(EVENT_NAMES);
export const eventName = (event) => EVENT_NAMES[event] ?? event;

export const IDENTIFIER_KINDS = [
  ['pnc', 'PNC number'],
  ['cro', 'CRO number'],
  ['prisonNumber', 'Prison number (NOMIS)'],
  ['crn', 'Case reference number (probation)'],
  ['localChildId', 'Local child identifier'],
];

/** "12 Mar 2025, 14:03:07 UTC": the log's times are UTC, and the page says so. */
export function formatTime(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toLocaleString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' })} UTC`;
}

export function timeElement(iso) {
  return h('time', { datetime: iso }, formatTime(iso));
}

/** A status line that screen readers announce when it changes. */
export function statusBox(kind, ...children) {
  return h('div', { class: `status status-${kind}`, role: kind === 'error' ? 'alert' : 'status' }, ...children);
}

export function field(label, control, hint) {
  const id = control.id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : null, control);
}

export function listOrNone(items, none = 'none') {
  if (!items || items.length === 0) return h('span', { class: 'muted' }, none);
  return h('ul', { class: 'plain' }, items.map((item) => h('li', {}, h('code', {}, item))));
}
