// Profiles: avatar, counts, follow / unfollow, the published and liked videos as a grid
// (a tap plays one), and the follow and follower lists.

import { endSession, get, session } from "./api.js";
import { count, explain, h, toast } from "./dom.js";
import { followButton, overlay } from "./video.js";

export function renderProfile(main, userId) {
  const page = h("section", { class: "profile" }, h("p", { class: "empty" }, "Loading…"));
  main.append(page);
  Promise.all([
    get("user", { user_id: userId }),
    get("publish/list", { user_id: userId }),
    get("favorite/list", { user_id: userId }),
  ]).then(([{ user }, published, liked]) => {
    page.replaceChildren(header(user), grids(published.video_list, liked.video_list));
  }).catch((failure) => {
    page.replaceChildren(h("p", { class: "empty" }, explain(failure)));
  });
}

function header(user) {
  const mine = session()?.userId === user.id;
  const stat = (n, label, href) => h(href ? "a" : "span", { class: "stat", href }, h("b", {}, count(n)), label);
  return h("header", { class: "who-card" },
    h("img", { src: user.avatar, alt: "", class: "avatar" }),
    h("h1", {}, user.name),
    h("p", { class: "signature" }, user.signature),
    h("div", { class: "stats" },
      stat(user.follow_count, "following", `#/user/${user.id}/follows`),
      stat(user.follower_count, "followers", `#/user/${user.id}/followers`),
      stat(user.total_favorited, "likes"),
      stat(user.work_count, "videos")),
    mine
      ? h("button", { onclick: () => { endSession(); location.hash = "#/login"; } }, "Log out")
      : followButton(user));
}

function grids(published, liked) {
  const tabs = h("div", { class: "row grid-tabs", role: "tablist" });
  const body = h("div", {});
  const choose = (name, videos) => {
    for (const tab of tabs.children) tab.setAttribute("aria-selected", String(tab.textContent.startsWith(name)));
    body.replaceChildren(grid(videos));
  };
  tabs.append(
    h("button", { role: "tab", onclick: () => choose("Videos", published) }, `Videos ${published.length}`),
    h("button", { role: "tab", onclick: () => choose("Liked", liked) }, `Liked ${liked.length}`));
  choose("Videos", published);
  return h("div", {}, tabs, body);
}

function grid(videos) {
  if (videos.length === 0) return h("p", { class: "empty" }, "Nothing here yet.");
  return h("ul", { class: "grid" }, videos.map((video) =>
    h("li", {}, h("button", { class: "tile", onclick: () => play(video), "aria-label": `Play ${video.title}` },
      h("img", { src: video.cover_url, alt: "" }),
      h("span", {}, `♥ ${count(video.favorite_count)}`)))));
}

/** One video full screen over the profile; Escape or × closes it. */
function play(video) {
  const player = h("video", { src: video.play_url, poster: video.cover_url, autoplay: true, loop: true, controls: true, playsinline: true });
  const card = h("article", { class: "card" }, player);
  card.append(overlay(video, card));
  const close = () => { player.pause(); layer.remove(); };
  const layer = h("div", { class: "layer", role: "dialog", "aria-label": video.title },
    card, h("button", { class: "close", "aria-label": "Close", onclick: close }, "×"));
  layer.addEventListener("keydown", (event) => event.key === "Escape" && close());
  document.body.append(layer);
  layer.querySelector(".close").focus();
}

/** Whom a user follows, or who follows them. */
export function renderPeople(main, userId, kind) {
  const path = kind === "follows" ? "relation/follow/list" : "relation/follower/list";
  const list = h("ul", { class: "people" });
  main.append(h("section", { class: "panel" }, h("h1", {}, kind === "follows" ? "Following" : "Followers"), list));
  get(path, { user_id: userId })
    .then((reply) => {
      if (reply.user_list.length === 0) list.append(h("li", { class: "empty" }, "No one yet."));
      list.append(...reply.user_list.map((user) => h("li", { class: "row" },
        h("a", { href: `#/user/${user.id}`, class: "who" }, h("img", { src: user.avatar, alt: "", class: "avatar small" }), user.name),
        followButton(user))));
    })
    .catch((failure) => toast(explain(failure), "error"));
}
