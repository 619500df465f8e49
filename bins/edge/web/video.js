// What a video card shows and does: the author with a follow button, the title, the like
// and comment buttons with their counts, and the comment sheet. Shared by the feed and the
// profile's single-video view.

import { get, post, session } from "./api.js";
import { count, explain, h, toast } from "./dom.js";

/** Signed in, or sent to log in (returning here) and false. */
export function signedIn() {
  if (session()) return true;
  location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
  return false;
}

export function followButton(user) {
  const me = session()?.userId;
  if (me === user.id) return null;
  const button = h("button", { class: "follow" });
  const show = () => {
    button.textContent = user.is_follow ? "Following" : "Follow";
    button.setAttribute("aria-pressed", String(user.is_follow));
  };
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (!signedIn()) return;
    const want = !user.is_follow;
    try {
      await post("relation/action", { to_user_id: user.id, action_type: want ? 1 : 2 });
      user.is_follow = want;
      show();
    } catch (failure) {
      toast(explain(failure), "error");
    }
  });
  show();
  return button;
}

function likeButton(video) {
  const label = h("span", {});
  const button = h("button", { class: "like", "aria-label": "Like" }, h("span", { "aria-hidden": "true" }, "♥"), label);
  const show = () => {
    label.textContent = count(video.favorite_count);
    button.setAttribute("aria-pressed", String(video.is_favorite));
  };
  button.addEventListener("click", async (event) => {
    event.stopPropagation();
    if (!signedIn()) return;
    const want = !video.is_favorite;
    try {
      await post("favorite/action", { video_id: video.id, action_type: want ? 1 : 2 });
      video.is_favorite = want;
      video.favorite_count += want ? 1 : -1;
      show();
    } catch (failure) {
      toast(explain(failure), "error");
    }
  });
  show();
  return button;
}

function commentButton(video, card) {
  const label = h("span", {}, count(video.comment_count));
  const button = h("button", { class: "comments", "aria-label": "Comments" }, h("span", { "aria-hidden": "true" }, "✎"), label);
  button.addEventListener("click", (event) => {
    event.stopPropagation();
    openComments(video, card, () => (label.textContent = count(video.comment_count)));
  });
  return button;
}

/** The comment sheet over `card`: the list, newest first, and a box to post one. */
function openComments(video, card, changed) {
  card.querySelector(".sheet")?.remove();
  const list = h("ul", { class: "comment-list" });
  const heading = h("h2", {}, `${video.comment_count} comments`);
  const text = h("input", { "aria-label": "Add a comment", placeholder: "Add a comment…", maxlength: 1000 });
  const close = h("button", { class: "close", "aria-label": "Close comments", onclick: () => sheet.remove() }, "×");
  const form = h("form", { class: "row", onsubmit: async (event) => {
    event.preventDefault();
    if (!signedIn() || !text.value.trim()) return;
    try {
      const reply = await post("comment/action", { video_id: video.id, action_type: 1, comment_text: text.value });
      list.prepend(commentItem(reply.comment));
      video.comment_count += 1;
      heading.textContent = `${video.comment_count} comments`;
      changed();
      text.value = "";
    } catch (failure) {
      toast(explain(failure), "error");
    }
  } }, text, h("button", { type: "submit", class: "primary" }, "Post"));
  const sheet = h("section", { class: "sheet", role: "dialog", "aria-label": "Comments", onclick: (e) => e.stopPropagation() },
    h("header", { class: "row" }, heading, close), list, form);
  sheet.addEventListener("keydown", (event) => {
    if (event.key === "Escape") sheet.remove();
    event.stopPropagation();
  });
  card.append(sheet);
  text.focus();
  get("comment/list", { video_id: video.id })
    .then((reply) => list.replaceChildren(...reply.comment_list.map(commentItem)))
    .catch((failure) => toast(explain(failure), "error"));
}

function commentItem(comment) {
  return h("li", {},
    h("a", { href: `#/user/${comment.user.id}`, class: "who" }, comment.user.name),
    h("span", { class: "when" }, comment.create_date),
    h("p", {}, comment.content));
}

/** The overlay of a playing video: author, title, buttons. */
export function overlay(video, card) {
  const author = video.author;
  return h("div", { class: "overlay" },
    h("div", { class: "meta" },
      h("a", { href: `#/user/${author.id}`, class: "who" },
        h("img", { src: author.avatar, alt: "", class: "avatar small" }), `@${author.name}`),
      followButton(author),
      h("p", { class: "title" }, video.title)),
    h("div", { class: "actions" }, likeButton(video), commentButton(video, card)));
}
