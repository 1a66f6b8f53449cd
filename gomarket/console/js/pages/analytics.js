// Analytics: an account's revenue, orders and payout by day as charts; the product
// performance table, sortable by margin, velocity, days of cover and lost revenue; a listing's
// price history as a chart with its sales velocity beside it. Charts are plain SVG drawn here
// (no chart library: a few bars and lines do not need one).

import { h, fill, rub, num, dec, at, badge } from '../dom.js';
import { gql } from '../api.js';
import { cardBadge } from './marketplaces.js';

const SVG = 'http://www.w3.org/2000/svg';
const PERIODS = [['LAST_7_DAYS', '7 дней', 7], ['LAST_30_DAYS', '30 дней', 30], ['LAST_90_DAYS', '90 дней', 90]];
const SORTS = [
  ['REVENUE_DESC', 'Выручка'], ['MARGIN_DESC', 'Маржа ↓'], ['MARGIN_ASC', 'Маржа ↑'],
  ['VELOCITY_DESC', 'Скорость продаж'], ['DAYS_OF_COVER_ASC', 'Дней запаса'], ['LOST_REVENUE_DESC', 'Упущенная выручка'],
];
const PAGE = 50;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) element.append(child);
  return element;
}

/** Moscow's calendar day of `date`, as `YYYY-MM-DD` (the API's days are Moscow days). */
function moscowDay(date) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Moscow' }).format(date);
}

function days(from, count) {
  const out = [];
  const start = Date.parse(`${from}T00:00:00Z`);
  for (let i = 0; i < count; i += 1) out.push(new Date(start + i * 86_400_000).toISOString().slice(0, 10));
  return out;
}

/** A bar per day; days without activity are zero, not missing. */
export function barChart(title, points, format) {
  const width = 600;
  const height = 180;
  const top = 16;
  const bottom = 22;
  const max = Math.max(1, ...points.map((p) => p.value));
  const step = width / Math.max(1, points.length);
  const bars = points.map((p, i) => {
    const barHeight = ((height - top - bottom) * p.value) / max;
    return svg('rect', { class: 'bar-fill', x: i * step + 1, y: height - bottom - barHeight, width: Math.max(1, step - 2), height: barHeight },
      svg('title', {}, `${p.label}: ${format(p.value)}`));
  });
  // First, middle and last day, as "05.11", kept inside the chart.
  const dayLabel = (day) => `${day.slice(8, 10)}.${day.slice(5, 7)}`;
  const labels = points.length
    ? [[0, 'start'], [Math.floor((points.length - 1) / 2), 'middle'], [points.length - 1, 'end']].map(([i, anchor]) =>
      svg('text', { x: anchor === 'start' ? 0 : anchor === 'end' ? width : i * step + step / 2, y: height - 6, 'text-anchor': anchor }, dayLabel(points[i].label)))
    : [];
  const total = points.reduce((sum, p) => sum + p.value, 0);
  return h('figure', { class: 'panel' },
    h('figcaption', {}, h('strong', {}, title), ` — всего ${format(total)}, максимум за день ${format(Math.max(0, ...points.map((p) => p.value)))}`),
    svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': `${title} по дням` },
      svg('line', { class: 'axis', x1: 0, y1: height - bottom, x2: width, y2: height - bottom }),
      svg('text', { x: 2, y: 11 }, format(max)),
      bars, labels));
}

export async function analyticsPage(main, { args: [accountId], params }) {
  const { marketplaceAccounts: accounts } = await gql('{ marketplaceAccounts { id name marketplace } }');
  if (!accounts.length) {
    fill(main, h('h1', {}, 'Аналитика'), h('p', { class: 'panel' }, 'Подключите кабинет маркетплейса: продажи приходят из его отчётов. ', h('a', { href: '#/marketplaces' }, 'Маркетплейсы')));
    return;
  }
  const account = accounts.find((a) => a.id === accountId) || accounts[0];
  const period = PERIODS.find(([p]) => p === params.get('period')) || PERIODS[1];
  const sort = SORTS.find(([s]) => s === params.get('sort')) || SORTS[0];
  const go = (changes) => {
    const next = new URLSearchParams({ period: period[0], sort: sort[0], ...changes });
    location.hash = `#/analytics/${encodeURIComponent(account.id)}?${next}`;
  };
  const to = moscowDay(new Date());
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (period[2] - 1) * 86_400_000).toISOString().slice(0, 10);
  const data = await gql(`query($a: ID!, $from: Date!, $to: Date!) {
    salesSummary(accountId: $a, from: $from, to: $to, groupBy: DAY) {
      buckets { start orders units revenueKopecks payoutKopecks }
      totals { orders cancellations buyouts returns units revenueKopecks payoutKopecks buyoutRateBasisPoints } } }`,
  { a: account.id, from, to });
  const byDay = new Map(data.salesSummary.buckets.map((b) => [b.start, b]));
  const series = (pick) => days(from, period[2]).map((d) => ({ label: d, value: byDay.has(d) ? pick(byDay.get(d)) : 0 }));
  const t = data.salesSummary.totals;
  const accountSelect = h('select', { id: 'analytics-account' }, accounts.map((a) => h('option', { value: a.id, selected: a.id === account.id }, `${a.name} (${a.marketplace})`)));
  accountSelect.addEventListener('change', () => { location.hash = `#/analytics/${encodeURIComponent(accountSelect.value)}?period=${period[0]}&sort=${sort[0]}`; });
  const periodSelect = h('select', { id: 'analytics-period' }, PERIODS.map(([v, text]) => h('option', { value: v, selected: v === period[0] }, text)));
  periodSelect.addEventListener('change', () => go({ period: periodSelect.value }));
  const table = h('div', { id: 'performance' }, h('p', { class: 'muted' }, 'Загрузка…'));
  fill(main,
    h('h1', {}, 'Аналитика'),
    h('div', { class: 'toolbar' },
      h('label', { for: 'analytics-account' }, 'Кабинет', accountSelect),
      h('label', { for: 'analytics-period' }, 'Период', periodSelect)),
    h('p', { id: 'analytics-totals' },
      `С ${from} по ${to}: заказов ${num(t.orders)} (отмен ${num(t.cancellations)}), выкуплено ${num(t.buyouts)}, возвратов ${num(t.returns)}, `,
      `выручка ${rub(t.revenueKopecks)}, к перечислению ${rub(t.payoutKopecks)}`,
      t.buyoutRateBasisPoints === null ? '.' : `, выкуп ${dec(t.buyoutRateBasisPoints / 100, 1)} %.`),
    t.orders || t.buyouts || t.returns
      ? h('div', { class: 'columns', id: 'analytics-charts' },
        barChart('Выручка', series((b) => b.revenueKopecks), rub),
        barChart('Заказы', series((b) => b.orders), num),
        barChart('К перечислению', series((b) => b.payoutKopecks), rub))
      : h('p', { class: 'muted', id: 'analytics-empty' }, 'Продаж за период нет. Отчёты площадки читаются по расписанию: заказы появятся здесь после первого отчёта.'),
    h('h2', {}, 'Товары'),
    table);
  await performanceTable(table, account.id, period[0], sort[0], go);
}

async function performanceTable(place, accountId, period, sort, go) {
  const cursors = [null];
  // A sortable column's header: pressed while the table is sorted by it (either way, for the
  // margin, whose header turns the order around).
  const header = (label, key, sorted = key === sort) => h('th', { class: 'num', 'aria-sort': sorted ? (sort.endsWith('_ASC') ? 'ascending' : 'descending') : null }, key
    ? h('button', { type: 'button', class: 'sort', 'aria-pressed': String(sorted), onclick: () => go({ sort: key }) }, label)
    : label);
  const load = async () => {
    const data = await gql(`query($a: ID!, $p: PerformancePeriod!, $s: PerformanceSort!, $after: String) {
      productPerformance(accountId: $a, period: $p, sort: $s, first: ${PAGE}, after: $after) {
        totalCount pageInfo { hasNextPage endCursor }
        nodes { nmId listingId vendorCode units revenueKopecks payoutKopecks marginKopecks velocity
          marketplaceStock daysOfCover outOfStockDays lostRevenueKopecks product { title } } } }`,
    { a: accountId, p: period, s: sort, after: cursors[cursors.length - 1] });
    const page = data.productPerformance;
    if (!page.nodes.length) {
      fill(place, h('p', { class: 'muted', id: 'performance-empty' }, 'По товарам кабинета за период ничего нет.'));
      return;
    }
    fill(place,
      h('p', { class: 'muted' }, `Всего: ${num(page.totalCount)}. Сортировка — по заголовку столбца.`),
      h('div', { class: 'scroll' }, h('table', { id: 'performance-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Товар'), header('Продано'), header('Выручка', 'REVENUE_DESC'),
          header('Маржа', sort === 'MARGIN_DESC' ? 'MARGIN_ASC' : 'MARGIN_DESC', sort.startsWith('MARGIN')), header('Шт./день', 'VELOCITY_DESC'),
          header('Остаток'), header('Дней запаса', 'DAYS_OF_COVER_ASC'), header('Дней без товара'), header('Упущено', 'LOST_REVENUE_DESC'))),
        h('tbody', {}, page.nodes.map((r) => h('tr', {},
          h('td', {}, r.listingId ? h('a', { href: `#/listing/${encodeURIComponent(r.listingId)}` }, r.product ? r.product.title : r.vendorCode) : `${r.vendorCode} (${r.nmId})`),
          h('td', { class: 'num' }, num(r.units)),
          h('td', { class: 'num' }, rub(r.revenueKopecks)),
          h('td', { class: 'num' }, r.marginKopecks === null ? '—' : h('span', { class: r.marginKopecks < 0 ? 'error' : '' }, rub(r.marginKopecks))),
          h('td', { class: 'num' }, r.velocity === null ? '—' : dec(r.velocity, 2)),
          h('td', { class: 'num' }, num(r.marketplaceStock)),
          h('td', { class: 'num' }, r.daysOfCover === null ? '—' : dec(r.daysOfCover, 1)),
          h('td', { class: 'num' }, num(r.outOfStockDays)),
          h('td', { class: 'num' }, rub(r.lostRevenueKopecks))))))),
      h('div', { class: 'pager' },
        h('button', { type: 'button', class: 'secondary', disabled: cursors.length < 2, onclick: () => { cursors.pop(); load(); } }, '← Назад'),
        h('button', { type: 'button', class: 'secondary', disabled: !page.pageInfo.hasNextPage, onclick: () => { cursors.push(page.pageInfo.endCursor); load(); } }, 'Дальше →')));
  };
  await load();
}

/** The prices the marketplace applied, as a step line over time, with the 7-day sales velocity after each. */
function priceChart(changes) {
  const width = 600;
  const height = 200;
  const pad = 24;
  const points = [...changes].reverse();
  if (!points.length) return h('p', { class: 'muted', id: 'price-history-empty' }, 'Площадка ещё не применяла цен этого товара.');
  const times = points.map((c) => Date.parse(c.appliedAt));
  const start = Math.min(...times);
  const end = Math.max(Date.now(), ...times);
  const x = (t) => pad + ((width - 2 * pad) * (t - start)) / Math.max(1, end - start);
  const maxPrice = Math.max(...points.map((c) => c.discountedPriceKopecks));
  const maxVelocity = Math.max(0.01, ...points.map((c) => c.after.velocity || 0));
  const yPrice = (v) => height - pad - ((height - 2 * pad) * v) / maxPrice;
  const yVelocity = (v) => height - pad - ((height - 2 * pad) * v) / maxVelocity;
  let path = '';
  points.forEach((c, i) => {
    const next = i + 1 < points.length ? times[i + 1] : end;
    path += `${i ? 'L' : 'M'}${x(times[i])},${yPrice(c.discountedPriceKopecks)} L${x(next)},${yPrice(c.discountedPriceKopecks)} `;
  });
  const velocity = points.map((c, i) => `${i ? 'L' : 'M'}${x(times[i])},${yVelocity(c.after.velocity || 0)}`).join(' ');
  return h('figure', { class: 'panel' },
    h('figcaption', {}, h('strong', {}, 'Цена'), ' (сплошная) и продажи в шт./день за 7 дней после изменения (пунктир)'),
    svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'История цены и скорость продаж', id: 'price-chart' },
      svg('line', { class: 'axis', x1: pad, y1: height - pad, x2: width - pad, y2: height - pad }),
      svg('path', { class: 'line', d: path }),
      svg('path', { class: 'line second', d: velocity }),
      svg('text', { x: 2, y: 12 }, rub(maxPrice)),
      svg('text', { x: width - 2, y: 12, 'text-anchor': 'end' }, `${dec(maxVelocity, 2)} шт./день`)));
}

export async function listingPage(main, { args: [id] }) {
  const data = await gql(`query($id: ID!) { listing(id: $id) {
    id accountId productId vendorCode state rejection nmId
    price { value discountPercent state } stock { value state }
    product { title }
    stockCover { sellerStock marketplaceStock velocity7Days velocity30Days daysOfCover outOfStockDays30 lostRevenue30DaysKopecks }
    unitEconomics { livePriceKopecks purchaseKopecks commissionKopecks plannedMarginKopecks realizedMargin30DaysKopecks }
    priceHistory(first: 50) { appliedAt priceKopecks discountPercent discountedPriceKopecks
      before { units velocity } after { days units velocity } } } }`, { id });
  const l = data.listing;
  if (!l) {
    fill(main, h('h1', {}, 'Нет такого товара на площадке'), h('p', {}, h('a', { href: '#/marketplaces' }, 'Маркетплейсы')));
    return;
  }
  const c = l.stockCover;
  const u = l.unitEconomics;
  const velocity = (v) => (v === null ? '—' : `${dec(v, 2)} шт./день`);
  fill(main,
    h('p', {}, h('a', { href: `#/listings/${encodeURIComponent(l.accountId)}` }, '← Товары на площадке')),
    h('h1', { id: 'listing-title' }, l.product ? l.product.title : l.vendorCode),
    h('p', {}, cardBadge(l.state), ` ${l.vendorCode}`, l.nmId ? `, nmID ${l.nmId}` : '', ' ',
      h('a', { href: `#/product/${encodeURIComponent(l.productId)}` }, 'товар в каталоге')),
    h('div', { class: 'columns' },
      h('section', {},
        h('h2', {}, 'История цены'),
        priceChart(l.priceHistory),
        l.priceHistory.length
          ? h('table', { id: 'price-history' },
            h('thead', {}, h('tr', {}, h('th', {}, 'Когда'), h('th', { class: 'num' }, 'Цена'), h('th', { class: 'num' }, 'Шт./день до'), h('th', { class: 'num' }, 'Шт./день после'))),
            h('tbody', {}, l.priceHistory.map((p) => h('tr', {},
              h('td', {}, at(p.appliedAt)),
              h('td', { class: 'num' }, rub(p.discountedPriceKopecks), p.discountPercent ? h('div', { class: 'muted' }, `${rub(p.priceKopecks)} − ${p.discountPercent} %`) : null),
              h('td', { class: 'num' }, p.before.velocity === null ? '—' : dec(p.before.velocity, 2)),
              h('td', { class: 'num' }, p.after.velocity === null ? '—' : dec(p.after.velocity, 2))))))
          : null),
      h('section', {},
        h('h2', {}, 'Продажи и запас'),
        h('dl', { class: 'fields', id: 'listing-velocity' },
          h('dt', {}, 'Скорость, 7 дней'), h('dd', {}, velocity(c.velocity7Days)),
          h('dt', {}, 'Скорость, 30 дней'), h('dd', {}, velocity(c.velocity30Days)),
          h('dt', {}, 'На складах площадки'), h('dd', {}, num(c.marketplaceStock)),
          h('dt', {}, 'У продавца'), h('dd', {}, num(c.sellerStock)),
          h('dt', {}, 'Хватит на'), h('dd', {}, c.daysOfCover === null ? '—' : `${dec(c.daysOfCover, 1)} дн.`),
          h('dt', {}, 'Дней без товара (30)'), h('dd', {}, num(c.outOfStockDays30)),
          h('dt', {}, 'Упущено (30 дней)'), h('dd', {}, rub(c.lostRevenue30DaysKopecks))),
        h('h2', {}, 'Экономика единицы'),
        h('dl', { class: 'fields' },
          h('dt', {}, 'Цена сейчас'), h('dd', {}, rub(u.livePriceKopecks)),
          h('dt', {}, 'Закупка'), h('dd', {}, rub(u.purchaseKopecks)),
          h('dt', {}, 'Комиссия'), h('dd', {}, rub(u.commissionKopecks)),
          h('dt', {}, 'Плановая маржа'), h('dd', {}, u.plannedMarginKopecks === null ? '—' : h('span', { class: u.plannedMarginKopecks < 0 ? 'error' : '' }, rub(u.plannedMarginKopecks))),
          h('dt', {}, 'Маржа за 30 дней'), h('dd', {}, rub(u.realizedMargin30DaysKopecks))),
        l.price ? h('p', { class: 'muted' }, 'Последняя выгрузка цены: ', badge(l.price.state, l.price.state === 'APPLIED' ? 'ok' : 'warn')) : null)));
}
