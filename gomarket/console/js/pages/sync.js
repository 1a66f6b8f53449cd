// Sync policies and their runs: a policy's rules with a live price explanation for a sample
// purchase price, starting a run, each run's outcome per item, approving held prices (old and
// new price and the drop), retrying what failed.

import { h, fill, rub, num, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';
import { policyForm } from './policy_form.js';

const RUN_STATUS = { COMPLETED: ['завершена', 'ok'], FAILED: ['ошибка', 'bad'], IMPORTING: ['импорт', 'warn'], PUSHING: ['выгрузка', 'warn'] };
const finished = (status) => status === 'COMPLETED' || status === 'FAILED';
const OUTCOMES = [['', 'Все'], ['HELD', 'Цена на утверждении'], ['FAILED', 'Ошибка'], ['PUBLISHED', 'Опубликованы'], ['UPDATED', 'Обновлены'], ['UNCHANGED', 'Без изменений'], ['EXCLUDED', 'Исключены'], ['PENDING', 'Ожидают']];

const ITEM_OUTCOME = {
  PUBLISHED: ['опубликован', 'ok'], UPDATED: ['обновлён', 'ok'], UNCHANGED: ['без изменений', 'ok'], EXCLUDED: ['исключён', ''],
  PENDING: ['ожидает', 'warn'], HELD: ['на утверждении', 'warn'], FAILED: ['ошибка', 'bad'],
};
const runBadge = (status) => badge(...(RUN_STATUS[status] || [status, '']));

export async function syncPage(main) {
  const data = await gql('{ syncPolicies { id name enabled activeRunId lastTickAt priceDropGuardPercent } }');
  fill(main,
    h('h1', {}, 'Синхронизация'),
    can('sync:write') ? h('p', {}, h('a', { href: '#/policy/new', class: 'button', id: 'policy-new' }, 'Новая политика')) : null,
    data.syncPolicies.length
      ? h('table', { id: 'policies-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Политика'), h('th', {}, 'Состояние'), h('th', {}, 'Последний запуск по расписанию'))),
        h('tbody', {}, data.syncPolicies.map((p) => h('tr', {},
          h('td', {}, h('a', { href: `#/policy/${encodeURIComponent(p.id)}` }, p.name)),
          h('td', {}, p.enabled ? badge('включена', 'ok') : badge('выключена', 'warn'), p.activeRunId ? [' ', badge('идёт синхронизация', 'warn')] : null),
          h('td', {}, at(p.lastTickAt))))))
      : h('p', { class: 'muted', id: 'policies-empty' }, 'Политик синхронизации пока нет: политика связывает поставщиков с кабинетом маркетплейса и задаёт правила цен и остатков Создайте первую кнопкой «Новая политика».'));
}

const EXPLAIN = `query($r: PricingRuleInput, $p: Int!) { explainPricing(pricing: $r, purchaseKopecks: $p) {
  priceKopecks priceBeforeDiscountKopecks discountPercent steps { step detail amountKopecks } } }`;

/** The policy's rules as `PricingRuleInput` (the explanation of the saved rules). */
function pricingInput(p) {
  return {
    bands: p.bands.map((b) => ({ upToKopecks: b.upToKopecks, marginPercent: b.marginPercent })),
    minMarginKopecks: p.minMarginKopecks, fixedFeesKopecks: p.fixedFeesKopecks,
    delivery: p.delivery ? { percent: p.delivery.percent, minKopecks: p.delivery.minKopecks, maxKopecks: p.delivery.maxKopecks } : null,
    commissionPercent: p.commissionPercent, markupPercent: p.markupPercent,
    rounding: { stepKopecks: p.rounding.stepKopecks, minusKopecks: p.rounding.minusKopecks },
    discountPercent: p.discountPercent,
  };
}

export async function policyPage(main, { args: [id] }) {
  const editing = can('sync:write');
  const data = await gql(`query($id: ID!, $edit: Boolean!) {
    syncPolicy(id: $id) { id name enabled accountId supplierIds priceDropGuardPercent maxAttempts
      pricing { bands { upToKopecks marginPercent } minMarginKopecks fixedFeesKopecks delivery { percent minKopecks maxKopecks }
        commissionPercent markupPercent rounding { stepKopecks minusKopecks } discountPercent }
      stock { reserve minToList cap warehouses maxDaysOfCover }
      exclusions { brands categories withoutBarcode withoutImage }
      schedule { cron timeZone nextRunAt } }
    syncRuns(policyId: $id, first: 20) { nodes { id status startedAt finishedAt failure outcomeCounts { total held failed published updated unchanged excluded } } }
    suppliers(first: 100) @include(if: $edit) { nodes { id name } }
    marketplaceAccounts @include(if: $edit) { id name marketplace } }`, { id, edit: editing });
  const policy = data.syncPolicy;
  let rules = pricingInput(policy.pricing);
  const sample = h('input', { id: 'explain-purchase', type: 'number', min: 1, step: '0.01', value: '1000' });
  const explanation = h('div', { id: 'explain-result', 'aria-live': 'polite' });
  let asked = 0;
  const explain = async () => {
    const kopecks = Math.round(Number(sample.value) * 100);
    if (!(kopecks > 0)) return fill(explanation, h('p', { class: 'muted' }, 'Введите закупочную цену в рублях.'));
    const turn = ++asked;
    try {
      const x = (await gql(EXPLAIN, { r: rules, p: kopecks })).explainPricing;
      if (turn !== asked) return undefined;
      return fill(explanation,
        h('p', {}, 'Цена на площадке: ', h('strong', {}, rub(x.priceKopecks)), ` (до скидки ${rub(x.priceBeforeDiscountKopecks)}, скидка ${x.discountPercent} %)`),
        h('table', {}, h('tbody', {}, x.steps.map((s) => h('tr', {}, h('td', {}, s.step), h('td', {}, s.detail), h('td', { class: 'num' }, rub(s.amountKopecks)))))));
    } catch (error) {
      return turn === asked ? fill(explanation, errorBox(error)) : undefined;
    }
  };
  let timer = null;
  const later = () => { clearTimeout(timer); timer = setTimeout(explain, 200); };
  sample.addEventListener('input', later);
  const message = h('div', { role: 'status' });
  const p = policy.pricing;
  const rulesView = editing
    ? policyForm({
      policy,
      suppliers: data.suppliers.nodes,
      accounts: data.marketplaceAccounts,
      // The form already shows what was saved; redrawing the page would only lose the focus.
      onSaved: () => {},
      onChange: (edited) => { rules = edited; later(); },
    })
    : h('dl', { class: 'fields' },
      h('dt', {}, 'Наценка'), h('dd', {}, `${p.markupPercent} %`),
      h('dt', {}, 'Комиссия'), h('dd', {}, `${p.commissionPercent} %`),
      h('dt', {}, 'Минимальная маржа'), h('dd', {}, rub(p.minMarginKopecks)),
      h('dt', {}, 'Постоянные расходы'), h('dd', {}, rub(p.fixedFeesKopecks)),
      h('dt', {}, 'Скидка'), h('dd', {}, `${p.discountPercent} %`),
      h('dt', {}, 'Снижение цены больше чем на'), h('dd', {}, `${policy.priceDropGuardPercent} % — на утверждение`),
      h('dt', {}, 'Расписание'), h('dd', {}, policy.schedule ? `${policy.schedule.cron} (${policy.schedule.timeZone}), следующий запуск ${at(policy.schedule.nextRunAt)}` : 'только вручную'));
  fill(main,
    h('p', {}, h('a', { href: '#/sync' }, '← Синхронизация')),
    h('h1', {}, policy.name),
    can('sync:run') ? h('p', {}, h('button', { type: 'button', id: 'sync-trigger', onclick: async (event) => {
      event.target.disabled = true;
      try {
        const t = await gql('mutation($id: ID!) { triggerSync(policyId: $id) { runId errors { message } } }', { id });
        location.hash = `#/run/${encodeURIComponent(t.triggerSync.runId)}`;
      } catch (error) {
        event.target.disabled = false;
        fill(message, errorBox(error));
      }
    } }, 'Запустить синхронизацию')) : null,
    message,
    h('div', { class: 'columns' },
      h('section', {}, h('h2', {}, editing ? 'Правила' : 'Правила цены'), rulesView),
      h('section', { class: 'sticky' },
        h('h2', {}, 'Проверить правила'),
        h('label', { for: 'explain-purchase' }, 'Закупочная цена, ₽', sample),
        editing ? h('p', { class: 'muted' }, 'Пересчитывается по мере правки, ещё до сохранения.') : null,
        explanation)),
    h('h2', {}, 'Запуски'),
    data.syncRuns.nodes.length
      ? h('table', { id: 'runs-table' }, h('tbody', {}, data.syncRuns.nodes.map((r) => h('tr', {},
        h('td', {}, h('a', { href: `#/run/${encodeURIComponent(r.id)}` }, at(r.startedAt))), h('td', {}, runBadge(r.status)),
        h('td', {}, `всего ${num(r.outcomeCounts.total)}, на утверждении ${num(r.outcomeCounts.held)}, ошибок ${num(r.outcomeCounts.failed)}`)))))
      : h('p', { class: 'muted' }, 'Запусков ещё не было.'));
  await explain();
}

export async function runPage(main, { args: [id], params }) {
  const outcome = params.get('outcome') || '';
  const data = await runOf(`query($id: ID!, $f: SyncRunItemFilter) { syncRun(id: $id) { id policyId status failure startedAt finishedAt
      outcomeCounts { total pending published updated unchanged excluded held failed }
      items(filter: $f, first: 100) { totalCount nodes { product listingId outcome reason attempts priceExplanation { priceKopecks } } } } }`,
  { id, f: outcome ? { outcome } : null });
  const run = data.syncRun;
  const filter = h('select', { id: 'run-outcome' }, OUTCOMES.map(([v, t]) => h('option', { value: v, selected: v === outcome }, t)));
  filter.addEventListener('change', () => { location.hash = `#/run/${encodeURIComponent(id)}${filter.value ? `?outcome=${filter.value}` : ''}`; });
  const c = run.outcomeCounts;
  const message = h('div', { role: 'status', id: 'run-message' });
  const held = run.items.nodes.filter((i) => i.outcome === 'HELD');
  const listed = can('marketplace:read') ? await listingsOf(run.items.nodes) : new Map();
  fill(main,
    h('p', {}, h('a', { href: `#/policy/${encodeURIComponent(run.policyId)}` }, '← Политика')),
    h('h1', {}, `Синхронизация от ${at(run.startedAt)}`),
    h('p', {}, runBadge(run.status), run.failure ? h('span', { class: 'error' }, ` ${run.failure}`) : null,
      finished(run.status) ? null : h('span', { class: 'muted' }, ' — страница обновляется сама')),
    h('p', {}, `Всего ${num(c.total)}: опубликовано ${num(c.published)}, обновлено ${num(c.updated)}, без изменений ${num(c.unchanged)}, исключено ${num(c.excluded)}, на утверждении ${num(c.held)}, ошибок ${num(c.failed)}, ожидают ${num(c.pending)}.`),
    h('p', { class: 'toolbar' },
      h('label', { for: 'run-outcome' }, 'Показать', filter),
      can('sync:run') && c.failed ? h('button', { type: 'button', class: 'secondary', id: 'run-retry', onclick: () => act(message, 'mutation($r: ID!) { retryFailed(runId: $r) { errors { message } } }', { r: id }) }, 'Повторить неудачные') : null,
      can('sync:write') && held.length ? h('button', { type: 'button', id: 'run-approve', onclick: () => act(message, 'mutation($r: ID!, $p: [ID!]!) { approveHeldPrices(runId: $r, productIds: $p) { errors { message } } }', { r: id, p: held.map((i) => i.product) }) }, `Утвердить цены (${held.length})`) : null),
    message,
    run.items.nodes.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'run-items' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Товар'), h('th', {}, 'Итог'), h('th', { class: 'num' }, 'Цена сейчас'), h('th', { class: 'num' }, 'Новая цена'), h('th', { class: 'num' }, 'Снижение'), h('th', {}, 'Причина'), h('th', { class: 'num' }, 'Попыток'))),
        h('tbody', {}, run.items.nodes.map((i) => h('tr', {},
          h('td', { class: 'nowrap' }, h('a', { href: `#/product/${encodeURIComponent(i.product)}` }, listed.get(i.listingId)?.vendorCode ?? i.product.slice(0, 8))),
          h('td', {}, badge(...(ITEM_OUTCOME[i.outcome] || [i.outcome, '']))),
          h('td', { class: 'num' }, i.outcome === 'HELD' && listed.get(i.listingId)?.live ? rub(listed.get(i.listingId).live) : ''),
          h('td', { class: 'num' }, i.priceExplanation ? rub(i.priceExplanation.priceKopecks) : '—'),
          h('td', { class: 'num' }, i.outcome === 'HELD' ? drop(listed.get(i.listingId)?.live, i.priceExplanation) : ''),
          h('td', {}, i.reason || ''),
          h('td', { class: 'num' }, i.attempts))))))
      : h('p', { class: 'muted' }, 'Позиций нет.'));
  if (!finished(run.status)) {
    setTimeout(() => { if (location.hash.startsWith(`#/run/${encodeURIComponent(id)}`)) window.dispatchEvent(new HashChangeEvent('hashchange')); }, 1500);
  }
}

/** Each item's listing: its vendor code, and its live (discounted) price to show beside a held one. */
async function listingsOf(items) {
  const listed = new Map();
  if (!items.length) return listed;
  const ids = items.map((i) => i.listingId);
  const query = `query(${ids.map((_, n) => `$l${n}: ID!`).join(', ')}) { ${ids.map((_, n) => `l${n}: listing(id: $l${n}) { vendorCode price { value discountPercent } }`).join(' ')} }`;
  const data = await gql(query, Object.fromEntries(ids.map((id, n) => [`l${n}`, id])));
  ids.forEach((id, n) => {
    const listing = data[`l${n}`];
    if (!listing) return;
    const price = listing.price;
    listed.set(id, { vendorCode: listing.vendorCode, live: price ? Math.round((price.value * (100 - price.discountPercent)) / 100) : null });
  });
  return listed;
}

/** "−70 %": how far the new price is below the live one. */
function drop(liveKopecks, explanation) {
  if (!liveKopecks || !explanation) return '';
  const change = Math.round(((explanation.priceKopecks - liveKopecks) * 100) / liveKopecks);
  return change < 0 ? h('strong', { class: 'error' }, `−${-change} %`) : `+${change} %`;
}

/**
 * The run: a run just started is recorded before the read model shows it, so "not found" is
 * asked again for a few seconds before it is believed.
 */
async function runOf(query, variables) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await gql(query, variables);
    } catch (error) {
      if (error.code !== 'NOT_FOUND' || attempt >= 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function act(message, mutation, variables) {
  try {
    await gql(mutation, variables);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } catch (error) {
    fill(message, errorBox(error));
  }
}
