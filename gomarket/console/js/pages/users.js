// Users and API keys, for whoever manages users: create, grant and revoke roles, disable and
// enable; API keys (created for the caller, shown once) and their revocation.

import { h, fill, at, badge, errorBox } from '../dom.js';
import { gql } from '../api.js';
import { can } from '../app.js';

const ROLES = [['ADMIN', 'администратор'], ['MANAGER', 'менеджер'], ['OPERATOR', 'оператор'], ['VIEWER', 'наблюдатель']];

export async function usersPage(main) {
  const manage = can('users:manage');
  const data = await gql(`{
    ${manage ? 'users(first: 100) { nodes { id email roles disabled createdAt } }' : ''}
    me { permissions }
    apiKeys(first: 100) { nodes { id name scopes createdAt expiresAt revokedAt active } } }`);
  const message = h('div', { role: 'status', id: 'users-message' });
  fill(main,
    h('h1', {}, manage ? 'Пользователи и ключи API' : 'Ключи API'),
    message,
    manage ? users(data.users.nodes, message) : null,
    manage ? createUserForm(message) : null,
    h('h2', {}, 'Ключи API'),
    keys(data.apiKeys.nodes, message),
    keyForm(data.me.permissions, message));
}

async function act(message, mutation, variables, done) {
  try {
    await gql(mutation, variables);
    done();
  } catch (error) {
    fill(message, errorBox(error));
  }
}

function users(list, message) {
  return h('div', { class: 'scroll' }, h('table', { id: 'users-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Пользователь'), h('th', {}, 'Роли'), h('th', {}, 'Состояние'), h('th', {}, 'Действия'))),
    h('tbody', {}, list.map((user) => {
      const role = h('select', { 'aria-label': `Роль для ${user.email}` }, ROLES.map(([v, t]) => h('option', { value: v }, t)));
      const reload = () => usersPage(document.getElementById('main'));
      return h('tr', {},
        h('td', {}, user.email),
        h('td', {}, user.roles.map((r) => h('span', { class: 'badge' }, r, ' ',
          h('button', { type: 'button', class: 'secondary', 'aria-label': `Снять роль ${r} у ${user.email}`,
            onclick: () => act(message, 'mutation($u: ID!, $r: Role!) { revokeRole(userId: $u, role: $r) { errors { message } } }', { u: user.id, r }, reload) }, '×')))),
        h('td', {}, user.disabled ? badge('отключён', 'bad') : badge('активен', 'ok')),
        h('td', {}, role,
          h('button', { type: 'button', class: 'secondary',
            onclick: () => act(message, 'mutation($u: ID!, $r: Role!) { grantRole(userId: $u, role: $r) { errors { message } } }', { u: user.id, r: role.value }, reload) }, 'Выдать'),
          ' ',
          user.disabled
            ? h('button', { type: 'button', class: 'secondary', onclick: () => act(message, 'mutation($u: ID!) { enableUser(userId: $u) { errors { message } } }', { u: user.id }, reload) }, 'Включить')
            : h('button', { type: 'button', class: 'secondary', onclick: () => act(message, 'mutation($u: ID!) { disableUser(userId: $u) { errors { message } } }', { u: user.id }, reload) }, 'Отключить')));
    }))));
}

function createUserForm(message) {
  const email = h('input', { id: 'user-email', required: true, autocomplete: 'off' });
  const password = h('input', { id: 'user-password', type: 'password', required: true, autocomplete: 'new-password', minlength: 10 });
  const role = h('select', { id: 'user-role' }, ROLES.map(([v, t]) => h('option', { value: v, selected: v === 'VIEWER' }, t)));
  const form = h('form', { class: 'stack', id: 'user-form' },
    h('label', { for: 'user-email' }, 'Логин или e-mail', email),
    h('label', { for: 'user-password' }, 'Пароль (10 символов и больше)', password),
    h('label', { for: 'user-role' }, 'Роль', role),
    h('button', { type: 'submit' }, 'Создать пользователя'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    act(message, 'mutation($i: CreateUserInput!) { createUser(input: $i) { user { id } errors { message } } }',
      { i: { email: email.value.trim(), password: password.value, roles: [role.value] } },
      () => usersPage(document.getElementById('main')));
  });
  return [h('h2', {}, 'Новый пользователь'), form];
}

function keys(list, message) {
  if (!list.length) return h('p', { class: 'muted' }, 'Ключей нет. Ключ нужен программам, которые работают с GoMarket от вашего имени.');
  return h('div', { class: 'scroll' }, h('table', { id: 'keys-table' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Ключ'), h('th', {}, 'Права'), h('th', {}, 'Создан'), h('th', {}, 'Состояние'), h('th', {}))),
    h('tbody', {}, list.map((key) => h('tr', {},
      h('td', {}, key.name), h('td', {}, key.scopes.join(', ')), h('td', {}, at(key.createdAt)),
      h('td', {}, key.active ? badge('действует', 'ok') : badge('отозван', 'bad')),
      h('td', {}, key.active
        ? h('button', { type: 'button', class: 'secondary',
          onclick: () => act(message, 'mutation($id: ID!) { revokeApiKey(id: $id) { errors { message } } }', { id: key.id }, () => usersPage(document.getElementById('main'))) }, 'Отозвать')
        : null))))));
}

function keyForm(permissions, message) {
  const name = h('input', { id: 'key-name', required: true });
  const scopes = permissions.map((p) => h('label', { class: 'inline' }, h('input', { type: 'checkbox', value: p }), ` ${p}`));
  const shown = h('div', { id: 'key-shown', 'aria-live': 'polite' });
  const form = h('form', { class: 'stack', id: 'key-form' },
    h('label', { for: 'key-name' }, 'Название ключа', name),
    h('fieldset', {}, h('legend', {}, 'Права ключа (не больше ваших)'), scopes),
    h('button', { type: 'submit' }, 'Создать ключ'), shown);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = scopes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
    try {
      const data = await gql('mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { key errors { message } } }',
        { i: { name: name.value.trim(), scopes: chosen } });
      // Shown once: it is not stored anywhere it could be read back.
      fill(shown, h('p', { class: 'panel' }, 'Скопируйте ключ сейчас — он больше не будет показан: ',
        h('code', { id: 'key-value' }, data.createApiKey.key)));
    } catch (error) {
      fill(message, errorBox(error));
    }
  });
  return [h('h2', {}, 'Новый ключ API'), form];
}
