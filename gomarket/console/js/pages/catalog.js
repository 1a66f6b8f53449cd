// The catalog: search as you type (Russian and English), filters, sorting, keyset paging.
// Typing never waits for the network: each keystroke only restarts a short timer, and a newer
// request aborts the one in flight, so a slow answer never overwrites a newer one.

import { h, fill, rub, num, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';

const QUERY = `query($first: Int, $after: String, $filter: ProductFilterInput, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    totalCount totalCountIsExact
    edges { cursor node { id sku title brand category priceKopecks stock status } }
    pageInfo { hasNextPage endCursor } } }`;

const SORTS = [
  ['', 'По умолчанию'],
  ['CREATED_AT_DESC', 'Сначала новые'],
  ['UPDATED_AT_DESC', 'Недавно изменённые'],
  ['TITLE_ASC', 'Название А→Я'],
  ['TITLE_DESC', 'Название Я→А'],
  ['PRICE_ASC', 'Сначала дешёвые'],
  ['PRICE_DESC', 'Сначала дорогие'],
];
const PAGE = 50;

export async function catalogPage(main, { params }) {
  const state = {
    q: params.get('q') || '',
    brand: params.get('brand') || '',
    stock: params.get('stock') || '',
    sort: params.get('sort') || '',
    cursors: [null],
  };
  const search = h('input', { type: 'search', id: 'catalog-search', value: state.q, placeholder: 'Название, бренд, артикул, штрихкод', size: 36 });
  const brand = h('input', { id: 'catalog-brand', value: state.brand, size: 14 });
  const stock = h('select', { id: 'catalog-stock' },
    [['', 'Любой остаток'], ['yes', 'В наличии'], ['no', 'Нет в наличии']].map(([v, t]) => h('option', { value: v, selected: v === state.stock }, t)));
  const sort = h('select', { id: 'catalog-sort' }, SORTS.map(([v, t]) => h('option', { value: v, selected: v === state.sort }, t)));
  const summary = h('p', { class: 'muted', 'aria-live': 'polite', id: 'catalog-summary' });
  const selected = new Set();
  const publishing = can('publishing:write') ? await publishBar(selected, () => filterOf(state)) : null;
  const results = h('div', { class: 'scroll' });
  const pager = h('div', { class: 'pager' });
  fill(main,
    h('h1', {}, 'Каталог'),
    h('form', { class: 'toolbar', role: 'search', onsubmit: (e) => { e.preventDefault(); restart(0); } },
      h('label', { for: 'catalog-search' }, 'Поиск', search),
      h('label', { for: 'catalog-brand' }, 'Бренд', brand),
      h('label', { for: 'catalog-stock' }, 'Остаток', stock),
      h('label', { for: 'catalog-sort' }, 'Сортировка', sort)),
    summary, publishing ? publishing.bar : null, results, pager);

  let timer = null;
  let inFlight = null;
  const restart = (delay) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      state.q = search.value.trim();
      state.brand = brand.value.trim();
      state.stock = stock.value;
      state.sort = sort.value;
      state.cursors = [null];
      remember();
      load();
    }, delay);
  };
  search.addEventListener('input', () => restart(250));
  brand.addEventListener('input', () => restart(350));
  stock.addEventListener('change', () => restart(0));
  sort.addEventListener('change', () => restart(0));

  // The filter in the address, so back/forward and a re-login return to the same list.
  function remember() {
    const query = new URLSearchParams();
    for (const key of ['q', 'brand', 'stock', 'sort']) if (state[key]) query.set(key, state[key]);
    const hash = `#/catalog${query.size ? `?${query}` : ''}`;
    if (location.hash !== hash) history.replaceState(null, '', hash);
  }

  async function load() {
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    const variables = { first: PAGE, after: state.cursors[state.cursors.length - 1], filter: filterOf(state), sort: state.sort || null };
    summary.textContent = 'Ищем…';
    let data;
    try {
      data = await gql(QUERY, variables, { signal: controller.signal });
    } catch (error) {
      if (error.name === 'AbortError') return;
      fill(results, errorBox(error));
      summary.textContent = '';
      return;
    }
    if (inFlight !== controller) return;
    inFlight = null;
    // How long the results take to appear once the answer is here (BENCHMARKS.md): from here
    // to the frame after the table is in the page.
    performance.mark('catalog-answer');
    show(data.products);
    requestAnimationFrame(() => setTimeout(() => performance.measure('catalog-paint', 'catalog-answer')));
  }

  function show(page) {
    const total = page.totalCountIsExact ? num(page.totalCount) : `≈ ${num(page.totalCount)}`;
    summary.textContent = `Найдено: ${total}. Страница ${state.cursors.length}.`;
    if (!page.edges.length) {
      fill(results, h('p', { class: 'muted', id: 'catalog-empty' },
        state.q || state.brand || state.stock
          ? 'Ничего не найдено. Уберите часть слов или фильтров.'
          : 'Каталог пуст. Зарегистрируйте поставщика и запустите импорт его прайс-листа.'));
    } else {
      fill(results, h('table', { id: 'catalog-table' },
        h('caption', { class: 'muted', hidden: true }, 'Товары'),
        h('thead', {}, h('tr', {},
          publishing ? h('th', {}, h('input', { type: 'checkbox', 'aria-label': 'Выбрать всё на странице', onchange: (e) => {
            for (const box of results.querySelectorAll('tbody input[type=checkbox]')) {
              box.checked = e.target.checked;
              box.dispatchEvent(new Event('change'));
            }
          } })) : null,
          h('th', {}, 'Название'), h('th', { class: 'optional' }, 'Бренд'), h('th', { class: 'optional' }, 'Артикул'),
          h('th', { class: 'num' }, 'Цена'), h('th', { class: 'num' }, 'Остаток'), h('th', { class: 'optional' }, 'Статус'))),
        h('tbody', {}, page.edges.map(({ node }) => h('tr', {},
          publishing ? h('td', {}, h('input', { type: 'checkbox', 'aria-label': `Выбрать ${node.title}`, checked: selected.has(node.id), onchange: (e) => {
            if (e.target.checked) selected.add(node.id); else selected.delete(node.id);
            publishing.update();
          } })) : null,
          h('td', {}, h('a', { href: `#/product/${encodeURIComponent(node.id)}` }, node.title)),
          h('td', { class: 'optional' }, node.brand || '—'),
          h('td', { class: 'optional' }, node.sku),
          h('td', { class: 'num' }, rub(node.priceKopecks)),
          h('td', { class: 'num' }, num(node.stock)),
          h('td', { class: 'optional' }, node.status === 'ACTIVE' ? badge('активен', 'ok') : badge('в архиве', 'warn')))))));
    }
    fill(pager,
      h('button', { type: 'button', class: 'secondary', disabled: state.cursors.length < 2, onclick: () => { state.cursors.pop(); load(); } }, '← Назад'),
      h('button', { type: 'button', class: 'secondary', id: 'catalog-next', disabled: !page.pageInfo.hasNextPage, onclick: () => { state.cursors.push(page.pageInfo.endCursor); load(); } }, 'Дальше →'));
  }

  await load();
  search.focus();
}

function filterOf(state) {
  const filter = {};
  if (state.q) filter.search = state.q;
  if (state.brand) filter.brand = state.brand;
  if (state.stock) filter.inStock = state.stock === 'yes';
  return filter;
}

/**
 * Publishing from the catalog: the products ticked (on any page), or everything the filter
 * finds (the API takes up to 1 000 at a time), to one marketplace account.
 */
async function publishBar(selected, currentFilter) {
  const { marketplaceAccounts: accounts } = await gql('{ marketplaceAccounts { id name marketplace } }');
  if (!accounts.length) return null;
  const account = h('select', { id: 'publish-account' }, accounts.map((a) => h('option', { value: a.id }, `${a.name} (${a.marketplace})`)));
  const message = h('div', { role: 'status', id: 'publish-message' });
  const chosen = h('button', { type: 'button', id: 'publish-selected', disabled: true }, 'Опубликовать выбранные');
  const all = h('button', { type: 'button', class: 'secondary', id: 'publish-found' }, 'Опубликовать все найденные (до 1 000)');
  const publish = async (button, variables) => {
    button.disabled = true;
    try {
      const done = await gql(`mutation($a: ID!, $p: [ID!], $f: ProductFilterInput) {
        publishProducts(accountId: $a, productIds: $p, filter: $f) { listings { id } errors { field message } } }`, { a: account.value, ...variables });
      const { listings, errors } = done.publishProducts;
      fill(message, h('p', { class: errors.length ? 'error' : 'panel' },
        `Отправлено на площадку: ${num(listings.length)}. `,
        errors.length ? `Не удалось: ${errors.length} — ${errors.slice(0, 3).map((e) => e.message).join('; ')}. ` : null,
        h('a', { href: `#/listings/${encodeURIComponent(account.value)}` }, 'Открыть товары на площадке')));
      selected.clear();
      for (const box of document.querySelectorAll('#catalog-table input[type=checkbox]')) box.checked = false;
    } catch (error) {
      fill(message, errorBox(error));
    }
    update();
    all.disabled = false;
  };
  chosen.addEventListener('click', () => publish(chosen, { p: [...selected] }));
  all.addEventListener('click', () => publish(all, { f: currentFilter() }));
  const update = () => {
    chosen.disabled = !selected.size;
    chosen.textContent = selected.size ? `Опубликовать выбранные (${selected.size})` : 'Опубликовать выбранные';
  };
  const bar = h('div', {}, h('div', { class: 'toolbar', id: 'publish-bar' },
    h('label', { for: 'publish-account' }, 'Кабинет', account), chosen, all), message);
  return { bar, update };
}
