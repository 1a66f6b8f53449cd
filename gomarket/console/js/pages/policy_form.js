// The form of a sync policy: what it links (suppliers → one marketplace account), its pricing,
// stock and exclusion rules, the price-drop guard and the schedule. The same form creates a
// policy (`#/policy/new`) and edits one (on its page); `upsertSyncPolicy` replaces a policy's
// settings as a whole, so the form always sends every rule it shows.

import { h, fill, errorBox } from '../dom.js';
import { gql } from '../api.js';

const roubles = (kopecks) => (kopecks === null || kopecks === undefined ? '' : String(kopecks / 100));
const kopecksOf = (text) => Math.round(Number(String(text).replace(',', '.').replace(/\s/g, '')) * 100);
const numberOf = (text) => Number(String(text).replace(',', '.').replace(/\s/g, ''));
const listOf = (text) => text.split(/[,;]/).map((s) => s.trim()).filter(Boolean);
const optional = (text, parse) => (String(text).trim() === '' ? null : parse(text));

function field(label, input, hint) {
  const id = input.id;
  return h('label', { for: id }, label, input, hint ? h('span', { class: 'muted hint' }, hint) : null);
}

function input(id, value, attributes = {}) {
  return h('input', { id, value: value ?? '', ...attributes });
}

/** A band row: purchase prices up to X ₽ get Y % margin (the last band has no limit). */
function bandRow(band, rows) {
  const index = rows.children.length;
  const upTo = input(`band-up-to-${index}`, roubles(band.upToKopecks), { inputmode: 'decimal', size: 10, 'aria-label': 'До, ₽ (пусто — без верхней границы)' });
  const margin = input(`band-margin-${index}`, band.marginPercent, { inputmode: 'decimal', size: 6, 'aria-label': 'Маржа, %' });
  const row = h('div', { class: 'toolbar band' }, 'до', upTo, '₽ —', margin, '%',
    h('button', { type: 'button', class: 'secondary', 'aria-label': 'Убрать диапазон', onclick: () => { row.remove(); rows.dispatchEvent(new Event('input', { bubbles: true })); } }, '✕'));
  row.read = () => ({ upToKopecks: optional(upTo.value, kopecksOf), marginPercent: numberOf(margin.value) });
  return row;
}

/**
 * The form. `policy` is the policy to edit (null: a new one); `onChange(pricingInput)` is
 * called as the pricing fields change (the live explanation).
 */
export function policyForm({ policy, suppliers, accounts, onSaved, onChange }) {
  const p = policy ? policy.pricing : null;
  const s = policy ? policy.stock : null;
  const x = policy ? policy.exclusions : null;
  const name = input('policy-name', policy?.name, { required: true });
  const account = h('select', { id: 'policy-account', required: true },
    accounts.map((a) => h('option', { value: a.id, selected: a.id === policy?.accountId }, `${a.name} (${a.marketplace})`)));
  const supplierBoxes = suppliers.map((sup) => {
    const box = h('input', { type: 'checkbox', value: sup.id, checked: policy ? policy.supplierIds.includes(sup.id) : suppliers.length === 1 });
    return h('label', { class: 'inline' }, box, ` ${sup.name}`);
  });
  const form = h('form', { class: 'stack', id: 'policy-form' });
  const message = h('div', { role: 'status', id: 'policy-message' });

  const pricing = [];
  if (policy) {
    const bands = h('div', { id: 'policy-bands' });
    for (const band of p.bands) bands.append(bandRow(band, bands));
    const fields = {
      markup: input('policy-markup', p.markupPercent, { inputmode: 'decimal' }),
      commission: input('policy-commission', p.commissionPercent, { inputmode: 'decimal' }),
      minMargin: input('policy-min-margin', roubles(p.minMarginKopecks), { inputmode: 'decimal' }),
      fixedFees: input('policy-fixed-fees', roubles(p.fixedFeesKopecks), { inputmode: 'decimal' }),
      deliveryPercent: input('policy-delivery-percent', p.delivery?.percent, { inputmode: 'decimal' }),
      deliveryMin: input('policy-delivery-min', roubles(p.delivery?.minKopecks), { inputmode: 'decimal' }),
      deliveryMax: input('policy-delivery-max', roubles(p.delivery?.maxKopecks), { inputmode: 'decimal' }),
      roundStep: input('policy-round-step', roubles(p.rounding.stepKopecks), { inputmode: 'decimal' }),
      roundMinus: input('policy-round-minus', roubles(p.rounding.minusKopecks), { inputmode: 'decimal' }),
      discount: input('policy-discount', p.discountPercent, { inputmode: 'numeric' }),
    };
    pricing.push(
      h('fieldset', {}, h('legend', {}, 'Цена'),
        h('p', { class: 'muted' }, 'Маржа по закупочной цене (диапазоны по возрастанию, у последнего нет границы):'),
        bands,
        h('p', {}, h('button', { type: 'button', class: 'secondary', onclick: () => bands.append(bandRow({ upToKopecks: null, marginPercent: 0 }, bands)) }, 'Добавить диапазон')),
        field('Наценка, %', fields.markup),
        field('Комиссия площадки, %', fields.commission),
        field('Минимальная маржа, ₽', fields.minMargin),
        field('Постоянные расходы на единицу, ₽', fields.fixedFees),
        field('Доставка, % от закупки с маржой', fields.deliveryPercent, 'пусто — без доставки'),
        field('Доставка не меньше, ₽', fields.deliveryMin),
        field('Доставка не больше, ₽', fields.deliveryMax),
        field('Округлять вверх до, ₽', fields.roundStep),
        field('…минус, ₽', fields.roundMinus, '0,01 — цены вида «…9,99»'),
        field('Скидка для покупателя, %', fields.discount)));
    form.pricing = () => ({
      bands: [...bands.children].map((row) => row.read()),
      markupPercent: numberOf(fields.markup.value),
      commissionPercent: numberOf(fields.commission.value),
      minMarginKopecks: kopecksOf(fields.minMargin.value),
      fixedFeesKopecks: kopecksOf(fields.fixedFees.value),
      delivery: optional(fields.deliveryPercent.value, () => ({
        percent: numberOf(fields.deliveryPercent.value),
        minKopecks: kopecksOf(fields.deliveryMin.value || 0),
        maxKopecks: kopecksOf(fields.deliveryMax.value || 0),
      })),
      rounding: { stepKopecks: kopecksOf(fields.roundStep.value || 0), minusKopecks: kopecksOf(fields.roundMinus.value || 0) },
      discountPercent: Math.trunc(numberOf(fields.discount.value)),
    });
  } else {
    pricing.push(h('p', { class: 'muted' }, 'Правила цены — стандартные; их можно изменить на странице политики после создания.'));
    form.pricing = () => null;
  }

  const stock = {
    reserve: input('policy-reserve', s?.reserve ?? 0, { inputmode: 'numeric' }),
    minToList: input('policy-min-to-list', s?.minToList ?? 0, { inputmode: 'numeric' }),
    cap: input('policy-cap', s?.cap, { inputmode: 'numeric' }),
    warehouses: input('policy-warehouses', s?.warehouses.join(', ')),
    cover: input('policy-cover', s?.maxDaysOfCover, { inputmode: 'numeric' }),
  };
  const exclusions = {
    brands: input('policy-brands', x?.brands.join(', ')),
    categories: input('policy-categories', x?.categories.join('; ')),
    withoutBarcode: h('input', { type: 'checkbox', id: 'policy-without-barcode', checked: x?.withoutBarcode }),
    withoutImage: h('input', { type: 'checkbox', id: 'policy-without-image', checked: x?.withoutImage }),
  };
  const guard = input('policy-guard', policy?.priceDropGuardPercent ?? 50, { inputmode: 'decimal' });
  const cron = input('policy-cron', policy?.schedule?.cron, { placeholder: 'например, 0 */2 * * *' });
  const zone = input('policy-time-zone', policy?.schedule?.timeZone ?? 'Europe/Moscow');
  const attempts = input('policy-attempts', policy?.maxAttempts ?? 5, { inputmode: 'numeric' });
  const enabled = h('input', { type: 'checkbox', id: 'policy-enabled', checked: policy ? policy.enabled : true });

  fill(form,
    field('Название', name),
    field('Кабинет маркетплейса', account),
    h('fieldset', { id: 'policy-suppliers' }, h('legend', {}, 'Поставщики'),
      supplierBoxes.length ? supplierBoxes : h('p', { class: 'muted' }, 'Поставщиков нет: сначала зарегистрируйте поставщика.')),
    pricing,
    h('fieldset', {}, h('legend', {}, 'Остатки'),
      field('Резерв, шт.', stock.reserve, 'вычитается из остатка поставщика'),
      field('Выставлять от, шт.', stock.minToList, 'меньше — на площадку уходит 0'),
      field('Не больше, шт.', stock.cap, 'пусто — без ограничения'),
      field('Склады поставщика', stock.warehouses, 'через запятую; пусто — все'),
      field('Запас не больше, дней продаж', stock.cover, 'пусто — без ограничения')),
    h('fieldset', {}, h('legend', {}, 'Не выгружать'),
      field('Бренды', exclusions.brands, 'через запятую'),
      field('Категории', exclusions.categories, 'через точку с запятой; вложенные тоже'),
      h('label', { for: 'policy-without-barcode', class: 'inline' }, exclusions.withoutBarcode, ' товары без штрихкода'),
      h('label', { for: 'policy-without-image', class: 'inline' }, exclusions.withoutImage, ' товары без фото')),
    field('Снижение цены больше чем на, % — на утверждение', guard),
    field('Расписание (cron)', cron, 'пусто — только вручную'),
    field('Часовой пояс', zone),
    field('Попыток на позицию', attempts),
    h('label', { for: 'policy-enabled', class: 'inline' }, enabled, ' включена'),
    h('button', { type: 'submit', id: 'policy-save' }, policy ? 'Сохранить' : 'Создать политику'),
    message);

  form.addEventListener('input', () => onChange && onChange(form.pricing()));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const input = {
      name: name.value.trim(),
      accountId: account.value,
      supplierIds: supplierBoxes.map((l) => l.querySelector('input')).filter((b) => b.checked).map((b) => b.value),
      pricing: form.pricing(),
      stock: {
        reserve: Math.trunc(numberOf(stock.reserve.value || 0)),
        minToList: Math.trunc(numberOf(stock.minToList.value || 0)),
        cap: optional(stock.cap.value, (v) => Math.trunc(numberOf(v))),
        warehouses: listOf(stock.warehouses.value),
        maxDaysOfCover: optional(stock.cover.value, (v) => Math.trunc(numberOf(v))),
      },
      exclusions: {
        brands: listOf(exclusions.brands.value),
        categories: exclusions.categories.value.split(';').map((c) => c.trim()).filter(Boolean),
        withoutBarcode: exclusions.withoutBarcode.checked,
        withoutImage: exclusions.withoutImage.checked,
      },
      priceDropGuardPercent: numberOf(guard.value),
      schedule: cron.value.trim() ? { cron: cron.value.trim(), timeZone: zone.value.trim() || 'Europe/Moscow' } : null,
      maxAttempts: Math.trunc(numberOf(attempts.value)),
      enabled: enabled.checked,
    };
    if (policy) input.id = policy.id;
    const save = form.querySelector('#policy-save');
    save.disabled = true;
    try {
      const done = await gql('mutation($i: SyncPolicyInput!) { upsertSyncPolicy(input: $i) { policy { id } errors { field message } } }', { i: input });
      fill(message, h('p', { class: 'panel' }, policy ? 'Сохранено.' : 'Политика создана.'));
      onSaved(done.upsertSyncPolicy.policy.id);
    } catch (error) {
      fill(message, errorBox(error));
    }
    save.disabled = false;
  });
  return form;
}

/** `#/policy/new`: a new policy, with the standard pricing rule. */
export async function newPolicyPage(main) {
  const data = await gql('{ suppliers(first: 100) { nodes { id name } } marketplaceAccounts { id name marketplace } }');
  if (!data.marketplaceAccounts.length) {
    fill(main, h('h1', {}, 'Новая политика'),
      h('p', { class: 'panel' }, 'Сначала подключите кабинет маркетплейса: ', h('a', { href: '#/marketplaces' }, 'Маркетплейсы'), '.'));
    return;
  }
  fill(main,
    h('p', {}, h('a', { href: '#/sync' }, '← Синхронизация')),
    h('h1', {}, 'Новая политика'),
    policyForm({
      policy: null,
      suppliers: data.suppliers.nodes,
      accounts: data.marketplaceAccounts,
      onSaved: (id) => { location.hash = `#/policy/${encodeURIComponent(id)}`; },
    }));
}
