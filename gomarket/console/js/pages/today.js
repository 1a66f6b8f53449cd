// Today: the KPI tiles, live from the `metrics` subscription; open alerts (acknowledged by
// whoever may); the last imports and sync runs.

import { h, fill, rub, num, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { subscribe } from '../live.js';
import { can } from '../app.js';

const METRICS = `subscription($a: ID!) { metrics(accountId: $a) {
  computedAt today { orders revenueKopecks payoutKopecks } periodMarginKopecks
  listingsOutOfStock heldPrices failedItems openAlerts } }`;

let stopLive = null;

export async function todayPage(main) {
  if (stopLive) stopLive();
  stopLive = null;
  const here = location.hash;
  const data = await gql(`{
    marketplaceAccounts { id name marketplace }
    alerts(state: OPEN, first: 20) { nodes { id message raisedAt condition subject } }
    suppliers(first: 20) { nodes { id name } }
    syncPolicies { id name } }`);
  const tiles = h('div', { class: 'tiles', id: 'today-tiles', 'aria-live': 'polite' });
  const importsPlace = h('div', { id: 'today-imports' }, h('p', { class: 'muted' }, 'Загрузка…'));
  const runsPlace = h('div', { id: 'today-runs' }, h('p', { class: 'muted' }, 'Загрузка…'));
  const accounts = data.marketplaceAccounts;
  const account = accounts[0];
  fill(main,
    h('h1', {}, 'Сегодня'),
    account
      ? h('p', { class: 'muted' }, `Магазин: ${account.name} (${account.marketplace})`)
      : h('p', { class: 'panel' }, 'Маркетплейс ещё не подключён: подключите кабинет Wildberries или Ozon, чтобы видеть заказы и выручку.'),
    tiles,
    h('h2', {}, 'Открытые оповещения'),
    alerts(data.alerts.nodes),
    h('h2', {}, 'Последние импорты'),
    importsPlace,
    h('h2', {}, 'Последние синхронизации'),
    runsPlace);
  // Data that came back after the user went on to another page opens no subscription.
  if (account && location.hash === here) {
    showTiles(tiles, null);
    stopLive = subscribe(METRICS, { a: account.id }, (d) => showTiles(tiles, d.metrics),
      (message) => fill(tiles, h('p', { class: 'error' }, message)));
    window.addEventListener('hashchange', () => { if (stopLive) stopLive(); stopLive = null; }, { once: true });
  }
  lastImports(importsPlace, data.suppliers.nodes).catch((e) => fill(importsPlace, errorBox(e)));
  lastRuns(runsPlace, data.syncPolicies).catch((e) => fill(runsPlace, errorBox(e)));
}

function tile(label, value, id) {
  return h('div', { class: 'tile', id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

function showTiles(tiles, m) {
  const v = (f) => (m ? f(m) : '…');
  fill(tiles,
    tile('Заказы сегодня', v((x) => num(x.today.orders)), 'tile-orders'),
    tile('Выручка сегодня', v((x) => rub(x.today.revenueKopecks)), 'tile-revenue'),
    tile('К перечислению', v((x) => rub(x.today.payoutKopecks)), 'tile-payout'),
    tile('Маржа за 30 дней', v((x) => rub(x.periodMarginKopecks)), 'tile-margin'),
    tile('Нет в наличии', v((x) => num(x.listingsOutOfStock)), 'tile-out-of-stock'),
    tile('Цены на утверждении', v((x) => num(x.heldPrices)), 'tile-held'),
    tile('Ошибки выгрузки', v((x) => num(x.failedItems)), 'tile-failed'));
}

function alerts(nodes) {
  if (!nodes.length) return h('p', { class: 'muted', id: 'today-alerts' }, 'Открытых оповещений нет.');
  return h('ul', { id: 'today-alerts' }, nodes.map((alert) => {
    const item = h('li', {}, `${at(alert.raisedAt)} — ${alert.message} `);
    if (can('operations:write')) {
      const button = h('button', { type: 'button', class: 'secondary' }, 'Принять');
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await gql('mutation($id: ID!) { acknowledgeAlert(id: $id) { errors { code message } } }', { id: alert.id });
          fill(item, `${at(alert.raisedAt)} — ${alert.message} `, badge('принято', 'ok'));
        } catch (error) {
          button.disabled = false;
          item.append(errorBox(error));
        }
      });
      item.append(button);
    }
    return item;
  }));
}

const IMPORT_STATUS = { COMPLETED: ['завершён', 'ok'], FAILED: ['ошибка', 'bad'], RUNNING: ['идёт', 'warn'] };

async function lastImports(place, suppliers) {
  const rows = [];
  for (const supplier of suppliers.slice(0, 10)) {
    const data = await gql('query($s: ID!) { imports(supplierId: $s, first: 3) { nodes { id status startedAt counts { created updated rejected } } } }', { s: supplier.id });
    for (const run of data.imports.nodes) rows.push({ supplier, run });
  }
  rows.sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt));
  if (!rows.length) {
    fill(place, h('p', { class: 'muted' }, 'Импортов ещё не было: зарегистрируйте поставщика и запустите импорт.'));
    return;
  }
  fill(place, h('table', {}, h('tbody', {}, rows.slice(0, 8).map(({ supplier, run }) => {
    const [text, kind] = IMPORT_STATUS[run.status] || [run.status, ''];
    return h('tr', {}, h('td', {}, supplier.name), h('td', {}, at(run.startedAt)), h('td', {}, badge(text, kind)),
      h('td', { class: 'num' }, `+${num(run.counts.created)} / ~${num(run.counts.updated)} / ✕${num(run.counts.rejected)}`));
  }))));
}

async function lastRuns(place, policies) {
  const rows = [];
  for (const policy of policies.slice(0, 10)) {
    const data = await gql('query($p: ID!) { syncRuns(policyId: $p, first: 3) { nodes { id status startedAt failure } } }', { p: policy.id });
    for (const run of data.syncRuns.nodes) rows.push({ policy, run });
  }
  rows.sort((a, b) => b.run.startedAt.localeCompare(a.run.startedAt));
  if (!rows.length) {
    fill(place, h('p', { class: 'muted' }, 'Синхронизаций ещё не было: создайте политику синхронизации.'));
    return;
  }
  fill(place, h('table', {}, h('tbody', {}, rows.slice(0, 8).map(({ policy, run }) =>
    h('tr', {}, h('td', {}, policy.name), h('td', {}, at(run.startedAt)),
      h('td', {}, badge(run.status, run.status === 'COMPLETED' ? 'ok' : run.status === 'FAILED' ? 'bad' : 'warn')),
      h('td', {}, run.failure || ''))))));
}
