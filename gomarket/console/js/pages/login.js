import { h, fill } from '../dom.js';
import { login } from '../api.js';

export function loginPage(main, next) {
  const message = h('p', { class: 'error', role: 'alert', id: 'login-error' });
  const email = h('input', { name: 'email', autocomplete: 'username', required: true, id: 'login-email' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true, id: 'login-password' });
  const submit = h('button', { type: 'submit' }, 'Войти');
  const form = h('form', { class: 'stack', 'aria-describedby': 'login-error' },
    h('label', { for: 'login-email' }, 'Логин или e-mail', email),
    h('label', { for: 'login-password' }, 'Пароль', password),
    submit, message);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    message.textContent = '';
    try {
      await login(email.value.trim(), password.value);
      location.hash = `#${next.startsWith('/') ? next : '/'}`;
    } catch (error) {
      message.textContent = error.code === 'RATE_LIMITED'
        ? `${error.message}`
        : `${error.message}. Проверьте логин и пароль.`;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  fill(main, h('h1', {}, 'Вход в GoMarket'), form);
  email.focus();
}
