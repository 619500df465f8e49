// Friends (mutual follows) with their latest message, and a conversation that shows new
// messages as they arrive: the live stream pushes them; after a reconnect the history
// after the newest message shown is fetched, so nothing is missed.

import { get, messageStream, post, session } from "./api.js";
import { explain, h, toast } from "./dom.js";

export function renderFriends(main) {
  const list = h("ul", { class: "people friends" });
  main.append(h("section", { class: "panel" }, h("h1", {}, "Friends"), list));
  get("relation/friend/list", { user_id: session().userId })
    .then((reply) => {
      if (reply.user_list.length === 0) {
        list.append(h("li", { class: "empty" }, "Friends are people you follow who follow you back."));
      }
      list.append(...reply.user_list.map((friend) => h("li", {},
        h("a", { href: `#/chat/${friend.id}`, class: "row friend" },
          h("img", { src: friend.avatar, alt: "", class: "avatar small" }),
          h("span", { class: "who" }, friend.name),
          h("span", { class: "latest" }, friend.message ? `${friend.msgType === 1 ? "You: " : ""}${friend.message}` : "Say hi!")))));
    })
    .catch((failure) => toast(explain(failure), "error"));
}

export function renderChat(main, peerId) {
  const me = session().userId;
  const title = h("h1", {}, "Chat");
  const list = h("ol", { class: "messages", "aria-live": "polite" });
  const text = h("input", { "aria-label": "Message", placeholder: "Message…", maxlength: 1000, autocomplete: "off" });
  const seen = new Set();
  let newest = 0;

  const add = (message) => {
    if (seen.has(message.id)) return;
    seen.add(message.id);
    newest = Math.max(newest, message.create_time);
    const mine = message.from_user_id === me;
    list.append(h("li", { class: mine ? "mine" : "theirs", dataset: { id: message.id } }, message.content));
    list.lastChild.scrollIntoView({ block: "end" });
  };
  const catchUp = () => get("message/chat", { to_user_id: peerId, pre_msg_time: newest })
    .then((reply) => reply.message_list.forEach(add))
    .catch((failure) => toast(explain(failure), "error"));

  const form = h("form", { class: "row composer", onsubmit: async (event) => {
    event.preventDefault();
    const content = text.value.trim();
    if (!content) return;
    try {
      await post("message/action", { to_user_id: peerId, action_type: 1, content });
      text.value = "";
      // The stream brings the stored message (masked as the server stored it).
    } catch (failure) {
      toast(explain(failure), "error");
    }
  } }, text, h("button", { type: "submit", class: "primary" }, "Send"));
  main.append(h("section", { class: "panel chat" }, title, list, form));
  get("user", { user_id: peerId }).then(({ user }) => (title.textContent = user.name)).catch(() => {});

  const stream = messageStream();
  // Each (re)open reads what came since the newest shown: a message stored before the
  // stream was subscribed, or while it was reconnecting, is not missed (ids dedupe).
  stream.addEventListener("open", catchUp);
  stream.addEventListener("message", (event) => {
    const message = JSON.parse(event.data);
    const peer = message.from_user_id === me ? message.to_user_id : message.from_user_id;
    if (peer === peerId) add(message);
  });
  catchUp();
  text.focus();
  return () => stream.close();
}
