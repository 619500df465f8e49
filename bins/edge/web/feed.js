// The feed: one video at a time, full height, autoplaying muted (a tap unmutes); swipe,
// the wheel or the arrow keys move to the next; the next page (`latest_time` = the last
// page's `next_time`) is fetched before the end is reached.

import { get } from "./api.js";
import { explain, h, toast } from "./dom.js";
import { overlay } from "./video.js";

/** Fetch more when fewer than this many videos are left below the current one. */
const AHEAD = 3;

export function renderFeed(main) {
  const track = h("div", { class: "feed", tabindex: "0", "aria-label": "Feed: arrow keys move between videos" });
  main.append(track);
  const state = { videos: [], index: 0, next: undefined, loading: false, done: false, muted: true };
  const cards = [];

  const load = async () => {
    if (state.loading || state.done) return;
    state.loading = true;
    try {
      const reply = await get("feed", { latest_time: state.next });
      if (reply.video_list.length === 0) state.done = true;
      state.next = reply.next_time;
      for (const video of reply.video_list) {
        state.videos.push(video);
        cards.push(card(video));
      }
      if (state.videos.length === 0) track.append(h("p", { class: "empty" }, "No videos yet — publish the first one with +."));
      show(state.index);
    } catch (failure) {
      toast(explain(failure), "error");
      track.append(h("p", { class: "empty" }, explain(failure)));
    } finally {
      state.loading = false;
    }
  };

  const card = (video) => {
    const player = h("video", {
      src: video.play_url, poster: video.cover_url, loop: true, muted: true, playsinline: true,
      preload: "metadata", "aria-label": video.title,
    });
    player.muted = true;
    const box = h("article", { class: "card", dataset: { videoId: video.id } }, player);
    box.append(overlay(video, box));
    box.addEventListener("click", () => {
      state.muted = !state.muted;
      player.muted = state.muted;
      if (player.paused) player.play().catch(() => {});
    });
    return box;
  };

  const show = (index) => {
    if (cards.length === 0) return;
    state.index = Math.max(0, Math.min(index, cards.length - 1));
    const current = cards[state.index];
    if (track.firstChild !== current) track.replaceChildren(current);
    const player = current.querySelector("video");
    player.muted = state.muted;
    player.play().catch(() => {});
    if (cards.length - state.index <= AHEAD) load();
  };

  const step = (by) => {
    const leaving = cards[state.index]?.querySelector("video");
    leaving?.pause();
    show(state.index + by);
  };

  let wheelAt = 0;
  track.addEventListener("wheel", (event) => {
    event.preventDefault();
    if (Date.now() - wheelAt < 400 || Math.abs(event.deltaY) < 20) return;
    wheelAt = Date.now();
    step(event.deltaY > 0 ? 1 : -1);
  }, { passive: false });
  let touchY = null;
  track.addEventListener("touchstart", (event) => (touchY = event.touches[0].clientY), { passive: true });
  track.addEventListener("touchend", (event) => {
    if (touchY === null) return;
    const moved = touchY - event.changedTouches[0].clientY;
    touchY = null;
    if (Math.abs(moved) > 50) step(moved > 0 ? 1 : -1);
  });
  const keys = (event) => {
    if (event.target.closest("input, textarea, .sheet")) return;
    if (event.key === "ArrowDown" || event.key === "j") step(1);
    else if (event.key === "ArrowUp" || event.key === "k") step(-1);
    else if (event.key === "m") cards[state.index]?.click();
    else return;
    event.preventDefault();
  };
  document.addEventListener("keydown", keys);
  load();
  track.focus();
  return () => {
    document.removeEventListener("keydown", keys);
    for (const box of cards) box.querySelector("video").pause();
  };
}
