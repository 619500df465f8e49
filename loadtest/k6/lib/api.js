// The REST calls of the scripts. Each request is tagged with its route template (never a
// raw id), and each response is checked: HTTP 200 and `status_code == 0`.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL } from './config.js';
import { logins, seed } from './data.js';

function ok(res, route) {
  let body = null;
  try {
    body = res.json();
  } catch (_) {
    body = null;
  }
  const passed = check(res, {
    [`${route} HTTP 200`]: (r) => r.status === 200,
    [`${route} status_code 0`]: () => body !== null && body.status_code === 0,
  });
  if (!passed && __ENV.K6_LOG_FAILURES) {
    console.warn(`${route} (${res.request.body || res.request.url}): ${res.status} ${res.body && res.body.slice(0, 300)}`);
  }
  return passed ? body : null;
}

function query(params) {
  return Object.keys(params)
    .filter((k) => params[k] !== undefined && params[k] !== null)
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k])}`)
    .join('&');
}

export function get(route, params) {
  const res = http.get(`${BASE_URL}${route}?${query(params)}`, { tags: { name: route } });
  return { res, body: ok(res, route) };
}

// A urlencoded form POST (what the app sends).
export function post(route, form) {
  const res = http.post(`${BASE_URL}${route}`, form, { tags: { name: route } });
  return { res, body: ok(res, route) };
}

// A multipart POST (publish).
export function upload(route, fields) {
  const res = http.post(`${BASE_URL}${route}`, fields, { tags: { name: route } });
  return { res, body: ok(res, route) };
}

// The id of the object under `"key"` in a raw body, as text, like the manifest's ids (ids fit
// in 53 bits, so JSON.parse would read them exactly; text keeps one id type throughout).
export function idAfter(res, key) {
  const m = new RegExp(`"${key}"\\s*:\\s*\\{\\s*"id"\\s*:\\s*(\\d+)`).exec(res.body || '');
  return m ? m[1] : null;
}

// setup(): the service answers, then up to `count` seeded users log in; their tokens are
// handed to every VU (login is Argon2, deliberately slow: a bounded number, once).
export function setupSessions(count) {
  const health = http.get(`${BASE_URL}/healthz`, { tags: { name: '/healthz' } });
  if (health.status !== 200) {
    throw new Error(`${BASE_URL}/healthz answered ${health.status}: is the server up?`);
  }
  return { sessions: loginMany(count) };
}

function loginMany(count) {
  const wanted = logins.slice(0, Math.max(1, Math.min(count, logins.length)));
  const requests = wanted.map((u) => ({
    method: 'POST',
    url: `${BASE_URL}/douyin/user/login/`,
    body: { username: u.name, password: seed.password },
    params: { tags: { name: '/douyin/user/login/' } },
  }));
  const sessions = [];
  // A few at a time: each is an Argon2 verification on the server.
  for (let i = 0; i < requests.length; i += 10) {
    const replies = http.batch(requests.slice(i, i + 10));
    replies.forEach((res, j) => {
      const body = ok(res, '/douyin/user/login/');
      if (body) sessions.push({ name: wanted[i + j].name, id: wanted[i + j].id, token: body.token });
    });
  }
  if (sessions.length === 0) throw new Error('no seeded user could log in: was the seed run?');
  return sessions;
}
