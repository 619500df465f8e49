// Sign up and log in: one form, two buttons. The session (token and user id) is kept in
// localStorage, so a reload stays signed in.

import { endSession, post, saveSession, session } from "./api.js";
import { explain, h, toast } from "./dom.js";

export function renderAuth(main, next) {
  const current = session();
  if (current) {
    main.append(
      h("section", { class: "panel" },
        h("h1", {}, "You are logged in"),
        h("button", { onclick: () => { endSession(); location.hash = "#/login"; } }, "Log out")),
    );
    return;
  }
  const username = h("input", { name: "username", autocomplete: "username", required: true, maxlength: 32, "aria-label": "Username" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password", required: true, minlength: 6, maxlength: 32, "aria-label": "Password" });
  const error = h("p", { class: "error", role: "alert" });
  const submit = (path) => async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!username.value || password.value.length < 6) {
      error.textContent = "A username and a password of at least 6 characters, please.";
      return;
    }
    try {
      const reply = await post(path, { username: username.value, password: password.value });
      saveSession(reply.token, reply.user_id);
      location.hash = next;
    } catch (failure) {
      error.textContent = failureText(path, failure);
    }
  };
  const form = h("form", { class: "panel auth", onsubmit: submit("user/login") },
    h("h1", {}, "GopherTok"),
    h("label", {}, "Username", username),
    h("label", {}, "Password", password),
    error,
    h("div", { class: "row" },
      h("button", { type: "submit", class: "primary" }, "Log in"),
      h("button", { type: "button", onclick: submit("user/register") }, "Sign up")),
  );
  main.append(form);
  username.focus();
}

function failureText(path, failure) {
  if (path === "user/login" && failure.status === 401) return "Wrong username or password.";
  if (failure.status === 409) return "That username is taken; choose another.";
  if (failure.status === 403) return "Sign-ups are closed right now.";
  if (failure.status === 400) return failure.message;
  const text = explain(failure);
  toast(text, "error");
  return text;
}
