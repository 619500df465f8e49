// The REST API of API.md as promises: every call resolves with the reply's fields or
// rejects with an ApiError carrying the HTTP status and the server's status_msg.

const TOKEN_KEY = "gophertok.session";

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The session kept across reloads: { token, userId } or null. */
export function session() {
  try {
    return JSON.parse(localStorage.getItem(TOKEN_KEY));
  } catch {
    return null;
  }
}

export function saveSession(token, userId) {
  localStorage.setItem(TOKEN_KEY, JSON.stringify({ token, userId }));
}

export function endSession() {
  localStorage.removeItem(TOKEN_KEY);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null) search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

function headers() {
  const s = session();
  return s ? { Authorization: `Bearer ${s.token}` } : {};
}

/** A reply body as JSON, or the clearest error its status allows. */
async function reply(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    throw new ApiError(response.status, `the server answered ${response.status} without JSON`);
  }
  if (!response.ok || body.status_code !== 0) {
    throw new ApiError(response.status, body.status_msg || `error ${response.status}`);
  }
  return body;
}

export async function get(path, params = {}) {
  const response = await fetch(`/douyin/${path}/${query(params)}`, { headers: headers() });
  return reply(response);
}

export async function post(path, fields) {
  const response = await fetch(`/douyin/${path}/`, {
    method: "POST",
    headers: headers(),
    body: new URLSearchParams(fields),
  });
  return reply(response);
}

/** Publishes `file` with `title`; `progress(fraction)` follows the upload. */
export function publish(file, title, progress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("title", title);
    form.append("data", file);
    const request = new XMLHttpRequest();
    request.open("POST", "/douyin/publish/action/");
    for (const [key, value] of Object.entries(headers())) request.setRequestHeader(key, value);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) progress(event.loaded / event.total);
    };
    request.onload = () => {
      let body = null;
      try {
        body = JSON.parse(request.responseText);
      } catch {
        reject(new ApiError(request.status, `the server answered ${request.status}`));
        return;
      }
      if (request.status === 200 && body.status_code === 0) resolve(body);
      else reject(new ApiError(request.status, body.status_msg || `error ${request.status}`));
    };
    request.onerror = () => reject(new ApiError(0, "the upload could not reach the server"));
    request.send(form);
  });
}

/** The live-chat stream of the signed-in user (EventSource passes the token in the query). */
export function messageStream() {
  const s = session();
  return new EventSource(`/douyin/message/stream/${query({ token: s?.token })}`);
}
