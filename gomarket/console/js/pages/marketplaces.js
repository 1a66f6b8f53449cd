// Marketplace accounts and their listings: connect an account (the token field is write-only:
// sent once, never shown back), replace a token, map catalog categories to the marketplace's,
// listings with their state and errors, "only with errors", retry.

import { h, fill, rub, num, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';

const STATE = { CREATED: ['карточка создана', 'ok'], REJECTED: ['отклонена', 'bad'], REQUESTED: ['на модерации', 'warn'], NOT_PUBLISHED: ['не опубликована', ''] };

/** A card state as a badge. */
export function cardBadge(state) {
  const [text, kind] = STATE[state] || [state, ''];
  return badge(text, kind);
}

export async function marketplacesPage(main) {
  const data = await gql(`{ marketplaceAccounts { id name marketplace status statusReason warehouseIds verifiedAt }
    categoryMappings { marketplace category subjectId typeId updatedAt characteristics { id name attribute required numeric } } }`);
  const message = h('div', { role: 'status', id: 'accounts-message' });
  const mappingPlace = h('div', { id: 'mapping-place' });
  fill(main,
    h('h1', {}, 'Маркетплейсы'),
    message,
    data.marketplaceAccounts.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'accounts-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Кабинет'), h('th', {}, 'Площадка'), h('th', {}, 'Состояние'), h('th', { class: 'optional' }, 'Проверен'), h('th', {}))),
        h('tbody', {}, data.marketplaceAccounts.map((a) => h('tr', {},
          h('td', {}, h('a', { href: `#/listings/${encodeURIComponent(a.id)}` }, a.name)),
          h('td', {}, a.marketplace),
          h('td', {}, a.status === 'ACTIVE' ? badge('работает', 'ok') : badge(a.statusReason || a.status, 'bad')),
          h('td', { class: 'optional' }, at(a.verifiedAt)),
          h('td', {}, can('marketplace:write') ? replaceToken(a, message) : null))))))
      : h('p', { class: 'muted', id: 'accounts-empty' }, 'Кабинетов пока нет. Подключите кабинет Wildberries или Ozon: понадобится токен API из личного кабинета продавца.'),
    can('marketplace:write') ? connectForm(message) : null,
    h('h2', {}, 'Сопоставление категорий'),
    data.categoryMappings.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'mappings-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Площадка'), h('th', {}, 'Категория каталога'), h('th', { class: 'num' }, 'Категория площадки'), h('th', { class: 'num' }, 'Тип (Ozon)'), h('th', {}, 'Характеристики'), h('th', {}))),
        h('tbody', {}, data.categoryMappings.map((m) => h('tr', {},
          h('td', {}, m.marketplace), h('td', {}, m.category), h('td', { class: 'num' }, m.subjectId), h('td', { class: 'num' }, m.typeId ?? '—'),
          h('td', {}, m.characteristics.map((c) => `${c.name} ← ${c.attribute}`).join('; ') || '—'),
          h('td', {}, can('marketplace:write') ? h('button', { type: 'button', class: 'secondary', onclick: () => mappingPlace.replaceChildren(mappingForm(m)) }, 'Изменить') : null))))))
      : h('p', { class: 'muted', id: 'mappings-empty' }, 'Категории не сопоставлены: без этого товары не публикуются. Укажите, какой категории площадки соответствует категория каталога.'),
    can('marketplace:write') ? mappingPlace : null);
  if (can('marketplace:write')) mappingPlace.replaceChildren(mappingForm(null));
}

/** A characteristic row: the marketplace's characteristic (id, name) ← a product attribute. */
function characteristicRow(c, rows) {
  const n = rows.children.length;
  const id = h('input', { inputmode: 'numeric', size: 8, value: c?.id ?? '', 'aria-label': `Характеристика ${n + 1}: id на площадке` });
  const name = h('input', { size: 14, value: c?.name ?? '', 'aria-label': `Характеристика ${n + 1}: название на площадке` });
  const attribute = h('input', { size: 14, value: c?.attribute ?? '', 'aria-label': `Характеристика ${n + 1}: атрибут товара` });
  const required = h('input', { type: 'checkbox', checked: c?.required, 'aria-label': `Характеристика ${n + 1}: обязательная` });
  const numeric = h('input', { type: 'checkbox', checked: c?.numeric, 'aria-label': `Характеристика ${n + 1}: число` });
  const row = h('div', { class: 'toolbar' }, id, name, '←', attribute,
    h('span', { class: 'inline' }, required, ' обяз.'), h('span', { class: 'inline' }, numeric, ' число'),
    h('button', { type: 'button', class: 'secondary', 'aria-label': 'Убрать характеристику', onclick: () => row.remove() }, '✕'));
  row.read = () => ({ id: Number(id.value), name: name.value.trim(), attribute: attribute.value.trim(), required: required.checked, numeric: numeric.checked });
  return row;
}

/** Maps a catalog category to a marketplace category (replacing its mapping as a whole). */
function mappingForm(mapping) {
  const marketplace = h('select', { id: 'mapping-marketplace' },
    [['WILDBERRIES', 'Wildberries'], ['OZON', 'Ozon']].map(([v, t]) => h('option', { value: v, selected: v === mapping?.marketplace }, t)));
  const category = h('input', { id: 'mapping-category', required: true, size: 36, placeholder: 'Бытовая техника/Чайники', value: mapping?.category ?? '' });
  const subject = h('input', { id: 'mapping-subject', required: true, inputmode: 'numeric', value: mapping?.subjectId ?? '' });
  const type = h('input', { id: 'mapping-type', inputmode: 'numeric', value: mapping?.typeId ?? '' });
  const rows = h('div', { id: 'mapping-characteristics' });
  for (const c of mapping?.characteristics ?? []) rows.append(characteristicRow(c, rows));
  const message = h('div', { role: 'status', id: 'mapping-message' });
  const form = h('form', { class: 'stack wide', id: 'mapping-form' },
    h('label', { for: 'mapping-marketplace' }, 'Площадка', marketplace),
    h('label', { for: 'mapping-category' }, 'Категория каталога (путь, как у товаров)', category),
    h('label', { for: 'mapping-subject' }, 'Категория площадки (Wildberries subjectID, Ozon description_category_id)', subject),
    h('label', { for: 'mapping-type' }, 'Тип товара (Ozon type_id; на Wildberries пусто)', type),
    h('fieldset', {}, h('legend', {}, 'Характеристики площадки из атрибутов товара'), rows,
      h('button', { type: 'button', class: 'secondary', onclick: () => rows.append(characteristicRow(null, rows)) }, 'Добавить характеристику')),
    h('button', { type: 'submit', id: 'mapping-save' }, mapping ? 'Сохранить сопоставление' : 'Сопоставить'),
    message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = {
      marketplace: marketplace.value, category: category.value.trim(), subjectId: Number(subject.value),
      typeId: type.value.trim() ? Number(type.value) : null, characteristics: [...rows.children].map((r) => r.read()),
    };
    try {
      await gql('mutation($i: CategoryMappingInput!) { setCategoryMapping(input: $i) { errors { field message } } }', { i: input });
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (error) {
      fill(message, errorBox(error));
    }
  });
  return h('section', {}, h('h3', {}, mapping ? `Изменить: ${mapping.category}` : 'Сопоставить категорию'), form);
}

const PUSH = { PENDING: ['отправляется', 'warn'], APPLIED: ['на площадке', 'ok'], FAILED: ['ошибка', 'bad'], QUARANTINED: ['на карантине', 'bad'] };
const pushBadge = (state) => badge(...(PUSH[state] || [state, '']));

function replaceToken(account, message) {
  const token = h('input', { type: 'password', autocomplete: 'off', 'aria-label': `Новый токен для ${account.name}`, size: 16 });
  const form = h('form', { class: 'toolbar' }, token, h('button', { type: 'submit', class: 'secondary' }, 'Заменить токен'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    try {
      await gql('mutation($id: ID!, $t: String!) { replaceMarketplaceToken(id: $id, token: $t) { errors { message } } }', { id: account.id, t: token.value });
      token.value = '';
      fill(message, h('p', { class: 'panel' }, `Токен кабинета «${account.name}» заменён и проверен.`));
    } catch (error) {
      fill(message, errorBox(error));
    }
  });
  return form;
}

function connectForm(message) {
  const name = h('input', { id: 'account-name', required: true });
  const marketplace = h('select', { id: 'account-marketplace' }, h('option', { value: 'WILDBERRIES' }, 'Wildberries'), h('option', { value: 'OZON' }, 'Ozon'));
  const clientId = h('input', { id: 'account-client-id' });
  const token = h('input', { id: 'account-token', type: 'password', autocomplete: 'off', required: true });
  const warehouses = h('input', { id: 'account-warehouses', placeholder: 'например, 507, 686', required: true });
  const clientLabel = h('label', { for: 'account-client-id', hidden: true }, 'Client-Id (Ozon)', clientId);
  marketplace.addEventListener('change', () => { clientLabel.hidden = marketplace.value !== 'OZON'; });
  const form = h('form', { class: 'stack', id: 'account-form' },
    h('label', { for: 'account-name' }, 'Название кабинета', name),
    h('label', { for: 'account-marketplace' }, 'Площадка', marketplace),
    clientLabel,
    h('label', { for: 'account-token' }, 'Токен API (не показывается после сохранения)', token),
    h('label', { for: 'account-warehouses' }, 'Склады (номера через запятую)', warehouses),
    h('button', { type: 'submit' }, 'Подключить'));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = {
      name: name.value.trim(), marketplace: marketplace.value, token: token.value,
      warehouseIds: warehouses.value.split(/[\s,;]+/).filter(Boolean).map(Number),
    };
    if (marketplace.value === 'OZON') input.clientId = clientId.value.trim();
    try {
      const data = await gql('mutation($i: ConnectMarketplaceAccountInput!) { connectMarketplaceAccount(input: $i) { account { id } errors { field message } } }', { i: input });
      token.value = '';
      location.hash = `#/listings/${encodeURIComponent(data.connectMarketplaceAccount.account.id)}`;
    } catch (error) {
      fill(message, errorBox(error));
    }
  });
  return [h('h2', {}, 'Подключить кабинет'), form];
}

export async function listingsPage(main, { args: [accountId], params }) {
  const onlyErrors = params.get('errors') === '1';
  const data = await gql(`query($a: ID!, $f: ListingFilterInput) {
    marketplaceAccount(id: $a) { id name marketplace }
    listings(accountId: $a, filter: $f, first: 100) { totalCount nodes { id vendorCode state rejection
      productId price { state value } stock { state value } errors { area message at } product { title } } } }`,
  { a: accountId, f: onlyErrors ? { hasError: true } : null });
  const toggle = h('input', { type: 'checkbox', id: 'listings-errors', checked: onlyErrors });
  toggle.addEventListener('change', () => {
    location.hash = `#/listings/${encodeURIComponent(accountId)}${toggle.checked ? '?errors=1' : ''}`;
  });
  const list = data.listings.nodes;
  const message = h('div', { role: 'status', id: 'listings-message' });
  // Publishing again republishes a rejected card and re-sends the listing's target.
  const retry = (l) => (can('publishing:write') && (l.state === 'REJECTED' || l.errors.length)
    ? h('button', { type: 'button', class: 'secondary', onclick: async (event) => {
      event.target.disabled = true;
      try {
        const done = await gql('mutation($a: ID!, $p: [ID!]) { publishProducts(accountId: $a, productIds: $p) { errors { message } } }', { a: accountId, p: [l.productId] });
        const problems = done.publishProducts.errors;
        if (problems.length) throw new Error(problems.map((e) => e.message).join('; '));
        fill(message, h('p', { class: 'panel' }, `«${l.vendorCode}» отправлен повторно.`));
      } catch (error) {
        event.target.disabled = false;
        fill(message, errorBox(error));
      }
    } }, 'Повторить')
    : null);
  fill(main,
    h('p', {}, h('a', { href: '#/marketplaces' }, '← Маркетплейсы')),
    h('h1', {}, `${data.marketplaceAccount.name}: товары на площадке`),
    h('p', { class: 'toolbar' }, h('label', { for: 'listings-errors', class: 'inline' }, toggle, ' только с ошибками')),
    h('p', { class: 'muted' }, `Всего: ${num(data.listings.totalCount)}. `,
      can('analytics:read') ? h('a', { href: `#/analytics/${encodeURIComponent(accountId)}` }, 'Продажи и аналитика →') : null),
    message,
    list.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'listings-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Товар'), h('th', {}, 'Артикул продавца'), h('th', {}, 'Карточка'), h('th', { class: 'num' }, 'Цена'), h('th', { class: 'num' }, 'Остаток'), h('th', {}, 'Ошибки'), h('th', {}))),
        h('tbody', {}, list.map((l) => h('tr', {},
          h('td', {}, h('a', { href: `#/listing/${encodeURIComponent(l.id)}` }, l.product ? l.product.title : l.vendorCode)),
          h('td', {}, l.vendorCode),
          h('td', {}, cardBadge(l.state), l.rejection ? h('div', { class: 'error' }, l.rejection) : null),
          h('td', { class: 'num' }, l.price ? [rub(l.price.value), ' ', pushBadge(l.price.state)] : '—'),
          h('td', { class: 'num' }, l.stock ? [num(l.stock.value), ' ', pushBadge(l.stock.state)] : '—'),
          h('td', {}, l.errors.map((e) => h('div', { class: 'error' }, `${e.area}: ${e.message}`))),
          h('td', {}, retry(l)))))))
      : h('p', { class: 'muted', id: 'listings-empty' }, onlyErrors ? 'Ошибок нет.' : 'На площадке пока ничего нет: опубликуйте товары из каталога или через политику синхронизации.'));
  // While cards are on moderation or prices and stocks on their way, the page follows them.
  const moving = list.some((l) => l.state === 'REQUESTED' || l.state === 'NOT_PUBLISHED' || (l.price && l.price.state === 'PENDING') || (l.stock && l.stock.state === 'PENDING'));
  if (moving) {
    const here = location.hash;
    main.querySelector('h1').after(h('p', { class: 'muted', id: 'listings-moving' }, 'Карточки и цены отправляются на площадку — страница обновляется сама.'));
    setTimeout(() => { if (location.hash === here) window.dispatchEvent(new HashChangeEvent('hashchange')); }, 2000);
  }
}


