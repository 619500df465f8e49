// Small DOM helpers: elements are built, never parsed from strings, so user text (names,
// titles, comments, messages) can never become markup.

/** `h("button", { class: "x", onclick: f }, "text", child)`. */
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(element.dataset, value);
    else if (value === true) element.setAttribute(key, "");
    else element.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

let toastTimer = 0;

/** A short message at the bottom of the screen (errors say what went wrong). */
export function toast(text, kind = "info") {
  const box = document.getElementById("toast");
  box.textContent = text;
  box.className = kind;
  box.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (box.hidden = true), 4000);
}

/** A count as the app shows it: 1234 → 1.2k. */
export function count(n) {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

/** The message of an error for the person using the app, by HTTP status. */
export function explain(error) {
  const reasons = {
    0: "The server cannot be reached. Check your connection.",
    401: "Please log in again.",
    413: "That file is too large.",
    429: "Too many requests — wait a moment and try again.",
    503: "The service is unavailable right now. Try again soon.",
    504: "The service is slow right now. Try again soon.",
  };
  const detail = error.message ? ` (${error.message})` : "";
  if (error.status in reasons && error.status !== 401) return reasons[error.status] + detail;
  return error.message || reasons[error.status] || "Something went wrong.";
}
