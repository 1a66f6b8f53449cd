// The console's shell: the bar, the routes (#/path), the signed-in user.

import { h, fill, errorBox } from './dom.js';
import { gql, loggedIn, logout, onSession, resume } from './api.js';
import { loginPage } from './pages/login.js';
import { todayPage } from './pages/today.js';
import { catalogPage } from './pages/catalog.js';
import { productPage } from './pages/product.js';
import { suppliersPage, supplierPage } from './pages/suppliers.js';
import { marketplacesPage, listingsPage } from './pages/marketplaces.js';
import { usersPage } from './pages/users.js';
import { analyticsPage, listingPage } from './pages/analytics.js';
import { syncPage, policyPage, runPage } from './pages/sync.js';
import { newPolicyPage } from './pages/policy_form.js';

const routes = [
  { path: /^\/$/, title: 'Сегодня', page: todayPage, nav: '#/' },
  { path: /^\/catalog$/, title: 'Каталог', page: catalogPage, nav: '#/catalog', needs: 'catalog:read' },
  { path: /^\/product\/([^/]+)$/, title: 'Товар', page: productPage },
  { path: /^\/suppliers$/, title: 'Поставщики', page: suppliersPage, nav: '#/suppliers', needs: 'suppliers:read' },
  { path: /^\/supplier\/([^/]+)$/, title: 'Поставщик', page: supplierPage },
  { path: /^\/marketplaces$/, title: 'Маркетплейсы', page: marketplacesPage, nav: '#/marketplaces', needs: 'marketplace:read' },
  { path: /^\/listings\/([^/]+)$/, title: 'Товары на площадке', page: listingsPage },
  { path: /^\/listing\/([^/]+)$/, title: 'Товар на площадке', page: listingPage },
  { path: /^\/analytics(?:\/([^/]+))?$/, title: 'Аналитика', page: analyticsPage, nav: '#/analytics', needs: 'analytics:read' },
  { path: /^\/sync$/, title: 'Синхронизация', page: syncPage, nav: '#/sync', needs: 'sync:read' },
  { path: /^\/policy\/new$/, title: 'Новая политика', page: newPolicyPage },
  { path: /^\/policy\/([^/]+)$/, title: 'Политика', page: policyPage },
  { path: /^\/run\/([^/]+)$/, title: 'Запуск', page: runPage },
  { path: /^\/users$/, title: 'Пользователи', page: usersPage, nav: '#/users' },
];

/** What the signed-in principal is and may do (from `me`). */
export const viewer = { email: null, permissions: new Set() };

export function can(permission) {
  return viewer.permissions.has(permission);
}

function current() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = hash.split('?');
  return { path, params: new URLSearchParams(query) };
}

function bar(active) {
  const bar = document.getElementById('bar');
  bar.hidden = false;
  fill(
    bar,
    h('span', { class: 'brand' }, 'GoMarket'),
    h('nav', { 'aria-label': 'Разделы' },
      // Sections the signed-in principal cannot read are not offered.
      routes.filter((r) => r.nav && (!r.needs || can(r.needs))).map((r) =>
        h('a', { href: r.nav, 'aria-current': r.nav === active ? 'page' : null }, r.title))),
    h('span', { class: 'who' },
      h('span', {}, viewer.email || ''),
      h('button', { class: 'secondary', type: 'button', onclick: () => logout() }, 'Выйти')),
  );
}

async function loadViewer() {
  const data = await gql('{ me { email actor permissions } }');
  viewer.email = data.me.email || data.me.actor;
  viewer.permissions = new Set(data.me.permissions);
}

let rendering = 0;

async function render() {
  const main = document.getElementById('main');
  const { path, params } = current();
  const turn = ++rendering;
  if (path === '/login') {
    document.getElementById('bar').hidden = true;
    document.title = 'Вход — GoMarket';
    loginPage(main, params.get('next') || '/');
    return;
  }
  if (!loggedIn() && !(await resume())) {
    // Back to this very page after logging in.
    location.hash = `#/login?next=${encodeURIComponent(path + (params.size ? `?${params}` : ''))}`;
    return;
  }
  if (!viewer.email) await loadViewer().catch(() => {});
  const route = routes.find((r) => r.path.test(path));
  if (turn !== rendering) return;
  if (!route) {
    fill(main, h('h1', {}, 'Нет такой страницы'), h('p', {}, h('a', { href: '#/' }, 'На главную')));
    return;
  }
  bar(route.nav || null);
  document.title = `${route.title} — GoMarket`;
  const match = path.match(route.path);
  // The page draws into a stage of its own, shown once it has drawn and only while it is still
  // the page asked for: a page whose data comes back after the user went on must not replace
  // the page they went to.
  const stage = document.createElement('div');
  const show = () => {
    if (turn === rendering && stage.parentNode !== main) main.replaceChildren(stage);
  };
  const drawn = new MutationObserver(() => {
    drawn.disconnect();
    show();
  });
  drawn.observe(stage, { childList: true });
  try {
    await route.page(stage, { args: match.slice(1).map((a) => (a === undefined ? undefined : decodeURIComponent(a))), params });
  } catch (error) {
    fill(stage, h('h1', {}, route.title), errorBox(error));
  }
  drawn.disconnect();
  show();
  if (turn === rendering) main.focus({ preventScroll: true });
}

onSession((active) => {
  if (!active) {
    viewer.email = null;
    viewer.permissions = new Set();
    const { path, params } = current();
    if (path !== '/login') {
      location.hash = `#/login?next=${encodeURIComponent(path + (params.size ? `?${params}` : ''))}`;
    }
  }
});

window.addEventListener('hashchange', render);
render();
