// The console speaks only the public GraphQL API, with the user's own token.
//
// Where the tokens live: the access token in this page's memory only; the refresh token in
// sessionStorage, which only pages of this origin in this tab can read (another site's script
// cannot), so a reload keeps the session and closing the tab ends it. Nothing is a cookie, so
// the browser never attaches credentials by itself: a request another site makes to /graphql
// carries no token, and cross-site requests with Content-Type: application/json need a CORS
// preflight the server does not grant. That is why CSRF is not possible.

const REFRESH_KEY = 'gomarket.refresh';
let access = null;
let accessExpires = 0;
let refreshTimer = null;
let refreshing = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(message, code, field) {
    super(message);
    this.code = code;
    this.field = field;
  }
}

/** Called with `true` on login and `false` when the session ends. */
export function onSession(listener) {
  listeners.add(listener);
}

export function loggedIn() {
  return access !== null;
}

export function accessToken() {
  return access;
}

function setSession(payload) {
  access = payload.accessToken;
  accessExpires = Date.parse(payload.expiresAt);
  sessionStorage.setItem(REFRESH_KEY, payload.refreshToken);
  clearTimeout(refreshTimer);
  // Refreshed in the background a minute before it expires.
  const inMs = Math.max(5_000, accessExpires - Date.now() - 60_000);
  refreshTimer = setTimeout(() => refresh().catch(() => {}), inMs);
  listeners.forEach((l) => l(true));
}

function endSession() {
  access = null;
  sessionStorage.removeItem(REFRESH_KEY);
  clearTimeout(refreshTimer);
  listeners.forEach((l) => l(false));
}

async function post(query, variables, token, signal) {
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }), signal });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError('Сервер не отвечает. Проверьте соединение и повторите.', 'NETWORK');
  }
  const body = await response.json().catch(() => null);
  if (!body) throw new ApiError(`Сервер ответил ${response.status}. Повторите позже.`, 'HTTP');
  return body;
}

/** Trades the stored refresh token for a new session; false when there is none or it is refused. */
export async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const token = sessionStorage.getItem(REFRESH_KEY);
    if (!token) return false;
    const body = await post(
      'mutation($t: String!) { refreshToken(token: $t) { accessToken expiresAt refreshToken errors { code message } } }',
      { t: token },
    );
    const payload = body.data && body.data.refreshToken;
    if (payload && payload.accessToken) {
      setSession(payload);
      return true;
    }
    endSession();
    return false;
  })();
  try {
    return await refreshing;
  } finally {
    refreshing = null;
  }
}

export async function login(email, password) {
  const body = await post(
    'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { accessToken expiresAt refreshToken errors { code message } } }',
    { e: email, p: password },
  );
  const payload = body.data && body.data.login;
  if (payload && payload.accessToken) {
    setSession(payload);
    return;
  }
  const error = (payload && payload.errors && payload.errors[0]) || (body.errors && body.errors[0]) || {};
  throw new ApiError(error.message || 'Вход не удался', error.code || (error.extensions && error.extensions.code));
}

export async function logout() {
  try {
    if (access) await post('mutation { logout { revoked } }', {}, access);
  } finally {
    endSession();
  }
}

/**
 * Runs a query or mutation; the data, or an ApiError with the API's code and message. An
 * expired session is refreshed once, transparently; a session that cannot be refreshed ends
 * (the page sends the user to log in and back).
 */
export async function gql(query, variables = {}, { signal } = {}) {
  let body = await post(query, variables, access, signal);
  if (isUnauthenticated(body) && (await refresh())) {
    body = await post(query, variables, access, signal);
  }
  if (isUnauthenticated(body)) {
    endSession();
  }
  if (body.errors && body.errors.length) {
    const first = body.errors[0];
    const code = first.extensions && first.extensions.code;
    throw new ApiError(first.message, code, first.extensions && first.extensions.field);
  }
  return body.data;
}

function isUnauthenticated(body) {
  return Boolean(body.errors && body.errors.some((e) => e.extensions && e.extensions.code === 'UNAUTHENTICATED'));
}

/** Restores a session from the tab's refresh token (page reload). */
export async function resume() {
  if (access) return true;
  try {
    return await refresh();
  } catch {
    return false;
  }
}
