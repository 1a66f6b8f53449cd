// Suppliers and their imports: register one or change its settings, switch it off and on,
// start an import (or a dry run), watch it run, see its counts and every rejected offer with
// its line and reason.

import { h, fill, num, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';

const KINDS = [['YML', 'YML (Яндекс.Маркет)'], ['AN_MSC_CSV', 'AN_MSC (CSV)'], ['WHOLESALER_CSV', 'Wholesaler (CSV)']];
const ENCODINGS = [['AUTO', 'Определить'], ['UTF_8', 'UTF-8'], ['WINDOWS_1251', 'Windows-1251']];
const STATUS = { COMPLETED: ['завершён', 'ok'], FAILED: ['ошибка', 'bad'], RUNNING: ['идёт', 'warn'] };

export async function suppliersPage(main) {
  const data = await gql('{ suppliers(first: 100) { nodes { id name kind url enabled updatedAt } } }');
  const list = data.suppliers.nodes;
  fill(main,
    h('h1', {}, 'Поставщики'),
    list.length
      ? h('div', { class: 'scroll' }, h('table', { id: 'suppliers-table' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Поставщик'), h('th', {}, 'Формат'), h('th', { class: 'optional' }, 'Адрес прайс-листа'), h('th', {}, 'Состояние'))),
        h('tbody', {}, list.map((s) => h('tr', {},
          h('td', {}, h('a', { href: `#/supplier/${encodeURIComponent(s.id)}` }, s.name)),
          h('td', {}, s.kind),
          h('td', { class: 'optional' }, s.url),
          h('td', {}, s.enabled ? badge('включён', 'ok') : badge('выключен', 'warn')))))))
      : h('p', { class: 'muted', id: 'suppliers-empty' }, 'Поставщиков пока нет. Зарегистрируйте первого: нужен адрес его прайс-листа.'),
    can('suppliers:write') ? [h('h2', {}, 'Новый поставщик'), supplierForm(null)] : null);
}

/** The supplier's settings: registers one (`supplier` null) or replaces one's. */
function supplierForm(supplier) {
  const message = h('p', { role: 'alert', id: 'supplier-form-message' });
  const name = h('input', { id: 'supplier-name', required: true, value: supplier?.name ?? '' });
  const url = h('input', { id: 'supplier-url', required: true, size: 48, placeholder: 'https://… или file:///…', value: supplier?.url ?? '' });
  const kind = h('select', { id: 'supplier-kind' }, KINDS.map(([v, t]) => h('option', { value: v, selected: v === supplier?.kind }, t)));
  const encoding = h('select', { id: 'supplier-encoding' }, ENCODINGS.map(([v, t]) => h('option', { value: v, selected: v === supplier?.encoding }, t)));
  const template = h('input', { id: 'supplier-image-template', size: 48, placeholder: 'https://…/{key}.jpg', value: supplier?.imageUrlTemplate ?? '' });
  const submit = h('button', { type: 'submit' }, supplier ? 'Сохранить' : 'Зарегистрировать');
  const form = h('form', { class: 'stack', id: 'supplier-form' },
    h('label', { for: 'supplier-name' }, 'Название', name),
    h('label', { for: 'supplier-kind' }, 'Формат', kind),
    h('label', { for: 'supplier-url' }, 'Адрес прайс-листа', url),
    h('label', { for: 'supplier-encoding' }, 'Кодировка', encoding),
    h('label', { for: 'supplier-image-template' }, 'Адрес картинок (необязательно; {key} — ключ из прайс-листа)', template),
    submit, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.className = '';
    message.textContent = '';
    const input = { name: name.value.trim(), kind: kind.value, url: url.value.trim(), encoding: encoding.value, imageUrlTemplate: template.value.trim() || null };
    // Replacing the settings keeps the feed's credentials.
    if (supplier && supplier.credentialsSecretId) input.credentialsSecretId = supplier.credentialsSecretId;
    try {
      if (supplier) {
        await gql('mutation($id: ID!, $i: SupplierInput!) { updateSupplier(id: $id, input: $i) { supplier { id } errors { field code message } } }', { id: supplier.id, i: input });
        window.dispatchEvent(new HashChangeEvent('hashchange'));
        return;
      }
      const data = await gql('mutation($i: SupplierInput!) { registerSupplier(input: $i) { supplier { id } errors { field code message } } }', { i: input });
      location.hash = `#/supplier/${encodeURIComponent(data.registerSupplier.supplier.id)}`;
    } catch (error) {
      message.className = 'error';
      message.textContent = error.message;
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function supplierPage(main, { args: [id], params }) {
  const data = await gql(`query($id: ID!) {
    supplier(id: $id) { id name kind url encoding enabled imageUrlTemplate credentialsSecretId }
    imports(supplierId: $id, first: 20) { nodes { id status dryRun startedAt finishedAt failure counts { seen created updated unchanged rejected unavailable } } } }`, { id });
  const supplier = data.supplier;
  const progress = h('div', { id: 'import-progress', 'aria-live': 'polite' });
  const detail = params.get('import') ? h('div', { id: 'import-detail' }) : null;
  const actions = can('imports:run')
    ? h('p', { class: 'toolbar' },
      h('button', { type: 'button', id: 'import-start', onclick: () => start(false) }, 'Запустить импорт'),
      h('button', { type: 'button', class: 'secondary', id: 'import-dry-run', onclick: () => start(true) }, 'Пробный прогон (без изменений)'))
    : null;
  fill(main,
    h('p', {}, h('a', { href: '#/suppliers' }, '← Поставщики')),
    h('h1', {}, supplier.name),
    h('p', {}, supplier.enabled ? badge('включён', 'ok') : badge('выключен: импорты не запускаются', 'warn'), ' ',
      can('suppliers:write') ? h('button', { type: 'button', class: 'secondary', id: 'supplier-toggle', onclick: async (event) => {
        event.target.disabled = true;
        try {
          await gql(`mutation($id: ID!) { ${supplier.enabled ? 'disableSupplier' : 'enableSupplier'}(id: $id) { errors { message } } }`, { id });
          window.dispatchEvent(new HashChangeEvent('hashchange'));
        } catch (error) {
          event.target.disabled = false;
          fill(progress, errorBox(error));
        }
      } }, supplier.enabled ? 'Выключить' : 'Включить') : null),
    h('dl', { class: 'fields' },
      h('dt', {}, 'Формат'), h('dd', {}, supplier.kind),
      h('dt', {}, 'Прайс-лист'), h('dd', {}, supplier.url),
      h('dt', {}, 'Кодировка'), h('dd', {}, supplier.encoding)),
    actions, progress,
    h('h2', {}, 'Импорты'),
    imports(id, data.imports.nodes),
    detail,
    can('suppliers:write') ? h('details', { id: 'supplier-edit' }, h('summary', {}, 'Изменить настройки'), supplierForm(supplier)) : null);
  if (detail) await showImport(params.get('import'), detail);

  async function start(dryRun) {
    for (const button of actions.querySelectorAll('button')) button.disabled = true;
    try {
      const started = await gql('mutation($s: ID!, $d: Boolean!) { startImport(supplierId: $s, dryRun: $d) { import { id } errors { code message } } }', { s: id, d: dryRun });
      await watch(started.startImport.import.id, progress);
      location.hash = `#/supplier/${encodeURIComponent(id)}?import=${encodeURIComponent(started.startImport.import.id)}`;
    } catch (error) {
      fill(progress, errorBox(error));
      for (const button of actions.querySelectorAll('button')) button.disabled = false;
    }
  }
}

function statusBadge(run) {
  const [text, kind] = STATUS[run.status] || [run.status, ''];
  return badge(run.dryRun ? `${text} (пробный)` : text, kind);
}

function imports(supplierId, runs) {
  if (!runs.length) return h('p', { class: 'muted' }, 'Импортов ещё не было.');
  return h('div', { class: 'scroll' }, h('table', { id: 'imports-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Начат'), h('th', {}, 'Состояние'),
      h('th', { class: 'num' }, 'Прочитано'), h('th', { class: 'num' }, 'Создано'), h('th', { class: 'num' }, 'Изменено'),
      h('th', { class: 'num' }, 'Отклонено'), h('th', {}))),
    h('tbody', {}, runs.map((run) => h('tr', {},
      h('td', {}, at(run.startedAt)), h('td', {}, statusBadge(run)),
      h('td', { class: 'num' }, num(run.counts.seen)), h('td', { class: 'num' }, num(run.counts.created)),
      h('td', { class: 'num' }, num(run.counts.updated)), h('td', { class: 'num' }, num(run.counts.rejected)),
      h('td', {}, h('a', { href: `#/supplier/${encodeURIComponent(supplierId)}?import=${encodeURIComponent(run.id)}` }, 'подробнее')))))));
}

/** Polls the import every second until it ends, showing its counts as they grow. */
async function watch(importId, place) {
  for (;;) {
    const data = await gql('query($id: ID!) { import(id: $id) { id status dryRun failure counts { seen created updated rejected } } }', { id: importId });
    const run = data.import;
    fill(place, h('p', { class: 'panel' }, 'Импорт: ', statusBadge(run),
      ` прочитано ${num(run.counts.seen)}, создано ${num(run.counts.created)}, изменено ${num(run.counts.updated)}, отклонено ${num(run.counts.rejected)}`,
      run.failure ? h('span', { class: 'error' }, ` — ${run.failure}`) : null));
    if (run.status !== 'RUNNING') return run;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function showImport(importId, place) {
  const data = await gql(`query($id: ID!) { import(id: $id) { id status dryRun failure startedAt finishedAt
      counts { seen created updated unchanged rejected unavailable }
      rejected(first: 100) { totalCount nodes { line supplierSku reason message } } } }`, { id: importId });
  const run = data.import;
  fill(place,
    h('h2', {}, `Импорт от ${at(run.startedAt)}`),
    h('p', {}, statusBadge(run), run.failure ? h('span', { class: 'error' }, ` ${run.failure}`) : null),
    h('p', {}, `Прочитано ${num(run.counts.seen)}: создано ${num(run.counts.created)}, изменено ${num(run.counts.updated)}, без изменений ${num(run.counts.unchanged)}, отклонено ${num(run.counts.rejected)}, снято с продажи ${num(run.counts.unavailable)}.`),
    run.rejected.totalCount
      ? h('div', { class: 'scroll' }, h('table', { id: 'rejected-table' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Строка'), h('th', {}, 'Артикул'), h('th', {}, 'Причина'), h('th', {}, 'Подробно'))),
        h('tbody', {}, run.rejected.nodes.map((r) => h('tr', {},
          h('td', { class: 'num' }, r.line), h('td', {}, r.supplierSku || '—'), h('td', {}, r.reason), h('td', {}, r.message))))))
      : h('p', { class: 'muted' }, 'Отклонённых предложений нет.'));
}
