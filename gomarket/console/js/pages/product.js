// A product: its data, its supplier's, and its history (who changed what, when), with the
// product as it was at any version.

import { h, fill, rub, num, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';
import { cardBadge } from './marketplaces.js';

const FIELDS = `id sku title brand description category barcodes priceKopecks retailPriceKopecks stock status
  version supplierId supplierSku available createdAt updatedAt stockByWarehouse { warehouse quantity }`;

const LISTINGS = 'listings { id accountId vendorCode state rejection price { state value } stock { state value } errors { area message } }';

export async function productPage(main, { args: [id], params }) {
  const version = params.get('version');
  const data = await gql(
    `query($id: ID!, $v: Int, $at: Boolean!) {
       current: product(id: $id) { ${FIELDS} ${can('marketplace:read') ? LISTINGS : ''} }
       ${can('marketplace:read') ? 'marketplaceAccounts { id name marketplace }' : ''}
       then: productAt(id: $id, version: $v) @include(if: $at) { ${FIELDS} }
       history(aggregateType: "Product", aggregateId: $id, first: 50) {
         nodes { sequence type recordedAt actor correlationId payload } } }`,
    { id, v: version ? Number(version) : null, at: Boolean(version) },
  );
  const product = version ? data.then : data.current;
  if (!product) {
    fill(main, h('h1', {}, 'Товар не найден'), h('p', {}, h('a', { href: '#/catalog' }, 'В каталог')));
    return;
  }
  fill(main,
    h('p', {}, h('a', { href: '#/catalog' }, '← Каталог')),
    h('h1', { id: 'product-title' }, product.title),
    version
      ? h('p', { class: 'panel', role: 'status' },
        `Товар в версии ${version} из ${data.current.version}. `,
        h('a', { href: `#/product/${encodeURIComponent(id)}` }, 'Показать текущую'))
      : null,
    h('dl', { class: 'fields' },
      field('Артикул', product.sku),
      field('Бренд', product.brand),
      field('Категория', product.category),
      field('Цена', rub(product.priceKopecks)),
      field('РРЦ поставщика', rub(product.retailPriceKopecks)),
      field('Остаток', num(product.stock)),
      field('Статус', product.status === 'ACTIVE' ? badge('активен', 'ok') : badge('в архиве', 'warn')),
      field('Штрихкоды', product.barcodes.join(', ') || '—'),
      field('Поставщик', product.supplierId ? `${product.supplierSku} (${product.available ? 'в предложении' : 'снят поставщиком'})` : 'собственный товар'),
      field('По складам', product.stockByWarehouse.map((w) => `${w.warehouse}: ${num(w.quantity)}`).join(', ') || '—'),
      field('Версия', product.version),
      field('Изменён', at(product.updatedAt))),
    product.description ? h('p', {}, product.description) : null,
    data.marketplaceAccounts ? listings(id, data.marketplaceAccounts, data.current.listings) : null,
    h('h2', {}, 'История'),
    history(id, data.history.nodes, Number(version) || null));
}

/** Where the product is listed, per marketplace account, and publishing where it is not. */
function listings(id, accounts, listed) {
  const message = h('div', { role: 'status', id: 'product-publish-message' });
  const byAccount = new Map(listed.map((l) => [l.accountId, l]));
  if (!accounts.length) return [h('h2', {}, 'На маркетплейсах'), h('p', { class: 'muted' }, 'Кабинеты маркетплейсов не подключены.')];
  return [
    h('h2', {}, 'На маркетплейсах'),
    message,
    h('div', { class: 'scroll' }, h('table', { id: 'product-listings' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Кабинет'), h('th', {}, 'Карточка'), h('th', { class: 'num' }, 'Цена'), h('th', { class: 'num' }, 'Остаток'), h('th', {}, 'Ошибки'), h('th', {}))),
      h('tbody', {}, accounts.map((a) => {
        const l = byAccount.get(a.id);
        const publish = can('publishing:write') && (!l || l.state === 'REJECTED')
          ? h('button', { type: 'button', class: l ? 'secondary' : '', onclick: async (event) => {
            event.target.disabled = true;
            try {
              const done = await gql('mutation($a: ID!, $p: [ID!]) { publishProducts(accountId: $a, productIds: $p) { listings { id } errors { message } } }', { a: a.id, p: [id] });
              const problems = done.publishProducts.errors;
              if (problems.length) throw new Error(problems.map((e) => e.message).join('; '));
              fill(message, h('p', { class: 'panel' }, `Опубликовано в «${a.name}»: карточка отправлена на площадку.`));
            } catch (error) {
              event.target.disabled = false;
              fill(message, errorBox(error));
            }
          } }, l ? 'Опубликовать снова' : 'Опубликовать')
          : null;
        return h('tr', {},
          h('td', {}, l ? h('a', { href: `#/listing/${encodeURIComponent(l.id)}` }, a.name) : a.name, ` (${a.marketplace})`),
          h('td', {}, l ? [cardBadge(l.state), l.rejection ? h('div', { class: 'error' }, l.rejection) : null] : h('span', { class: 'muted' }, 'не опубликован')),
          h('td', { class: 'num' }, l && l.price ? rub(l.price.value) : '—'),
          h('td', { class: 'num' }, l && l.stock ? num(l.stock.value) : '—'),
          h('td', {}, l ? l.errors.map((e) => h('div', { class: 'error' }, `${e.area}: ${e.message}`)) : null),
          h('td', {}, publish));
      })))),
  ];
}

function field(name, value) {
  return [h('dt', {}, name), h('dd', {}, value === null || value === undefined || value === '' ? '—' : value)];
}

function history(id, events, shown) {
  if (!events.length) return h('p', { class: 'muted' }, 'Событий нет.');
  return h('div', { class: 'scroll' }, h('table', { id: 'product-history' },
    h('thead', {}, h('tr', {},
      h('th', { class: 'num' }, 'Версия'), h('th', {}, 'Когда'), h('th', {}, 'Кто'), h('th', {}, 'Что'),
      h('th', { class: 'optional' }, 'Данные'), h('th', {}))),
    h('tbody', {}, events.map((e) => h('tr', { 'aria-current': e.sequence === shown ? 'true' : null },
      h('td', { class: 'num' }, e.sequence),
      h('td', {}, at(e.recordedAt)),
      h('td', {}, e.actor || '—'),
      h('td', {}, e.type),
      h('td', { class: 'optional' }, h('pre', { class: 'payload' }, JSON.stringify(e.payload, null, 1))),
      h('td', {}, h('a', { href: `#/product/${encodeURIComponent(id)}?version=${e.sequence}` }, 'как было')))))));
}


