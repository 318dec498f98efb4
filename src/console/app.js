import { identity, signOut, takeTokenFromUrl, token } from './api.js';
import { clear, h } from './dom.js';
import { renderEntry } from './pages/entry.js';
import { renderIntegrity } from './pages/integrity.js';
import { renderOverview } from './pages/overview.js';
import { renderReturns } from './pages/returns.js';
import { renderSearch } from './pages/search.js';
import { renderSubject } from './pages/subject.js';

// Hash routes: the page never reloads, and nothing after '#' reaches a server.
const ROUTES = [
  { pattern: /^#\/search$/, nav: 'search', title: 'Search', render: renderSearch },
  { pattern: /^#\/entry\/(\d+)$/, nav: 'search', title: 'Entry', render: renderEntry },
  { pattern: /^#\/subject$/, nav: 'subject', title: 'Subject report', render: renderSubject },
  { pattern: /^#\/integrity$/, nav: 'integrity', title: 'Integrity', render: renderIntegrity },
  { pattern: /^#\/overview$/, nav: 'overview', title: 'Overview', render: renderOverview },
  { pattern: /^#\/returns$/, nav: 'returns', title: 'Scheme returns', render: renderReturns, forManagers: true },
];

const main = document.getElementById('main');
const who = document.getElementById('who');
let renderCount = 0;

function showIdentity() {
  clear(who);
  const me = identity();
  if (!me) return;
  const scope = me.manager ? 'scheme manager (returns only)' : me.scheme ? 'scheme DPO (all agencies)' : `DPO for ${me.agency}`;
  who.append(
    h('span', { class: 'who-name' }, me.name ?? 'DPO'),
    ' · ',
    h('span', { class: 'who-scope', 'data-testid': 'scope' }, scope),
    me.expires ? h('span', { class: 'muted' }, ` · sign-in valid until ${me.expires.toLocaleTimeString('en-GB')}`) : null,
    ' ',
    h('button', { type: 'button', class: 'link-button', onclick: () => { signOut(); route(); } }, 'Sign out'),
  );
}

function signInPage(reason) {
  return h(
    'section',
    { class: 'sign-in', 'aria-labelledby': 'page-title' },
    h('h1', { id: 'page-title', tabindex: '-1' }, 'Sign in to the DPO console'),
    reason ? h('p', { class: 'status status-error', role: 'alert' }, reason) : null,
    h('p', {}, 'Ask the hub operator for a sign-in link. On the hub they run:'),
    h('pre', {}, h('code', {}, 'isp-hub dpo token --agency YOUR-AGENCY-ID --name "Your Name"')),
    h('p', {}, 'A scheme DPO adds ', h('code', {}, '--scheme-dpo'), '. The link works once in this browser tab and expires after a short time; closing the tab signs you out.'),
  );
}

async function route(reason) {
  const mine = ++renderCount;
  showIdentity();
  for (const link of document.querySelectorAll('nav a[data-nav]')) link.removeAttribute('aria-current');
  if (!token()) {
    clear(main).append(signInPage(reason));
    document.title = 'Sign in · isp-hub DPO console';
    if (mine > 1) focusHeading();
    return;
  }
  // A scheme manager sees the returns and nothing of the audit log: the hub refuses the rest, and so does the menu.
  const manager = identity()?.manager === true;
  for (const link of document.querySelectorAll('nav a[data-nav]')) link.closest('li').hidden = manager ? link.dataset.nav !== 'returns' : link.dataset.nav === 'returns' && identity()?.scheme !== true;
  if (!window.location.hash || window.location.hash === '#' || (manager && window.location.hash !== '#/returns')) {
    history.replaceState(null, '', manager ? '#/returns' : '#/search');
  }
  const hash = window.location.hash;
  const found = ROUTES.find((candidate) => candidate.pattern.test(hash));
  if (!found) {
    clear(main).append(h('h1', { id: 'page-title', tabindex: '-1' }, 'Page not found'), h('p', {}, h('a', { href: '#/search' }, 'Go to search')));
    focusHeading();
    return;
  }
  document.querySelector(`nav a[data-nav="${found.nav}"]`)?.setAttribute('aria-current', 'page');
  document.title = `${found.title} · isp-hub DPO console`;
  const page = h('div', { class: 'page' });
  clear(main).append(page);
  const params = found.pattern.exec(hash).slice(1);
  await found.render(page, ...params);
  // After in-app navigation only: on first load the skip link comes first, as on any page.
  if (mine === renderCount && mine > 1) focusHeading();
}

function focusHeading() {
  // Move focus to the new page's heading so keyboard and screen-reader users start there.
  const heading = main.querySelector('h1');
  if (heading) heading.focus({ preventScroll: true });
}

window.addEventListener('hashchange', () => void route());
window.addEventListener('isp-signed-out', (event) => {
  signOut();
  void route(event.detail === 'TOKEN_EXPIRED' ? 'Your sign-in has expired. Ask for a new link.' : 'Your sign-in was not accepted. Ask for a new link.');
});

takeTokenFromUrl();
void route();
