// The app's shell: a hash router over the views, the tab bar, and the signed-in user.

import { session } from "./api.js";
import { renderAuth } from "./auth.js";
import { renderChat, renderFriends } from "./chat.js";
import { renderFeed } from "./feed.js";
import { renderProfile, renderPeople } from "./profile.js";
import { renderPublish } from "./publish.js";

const main = document.getElementById("main");
let cleanup = null;

/** Views that need a session send the visitor to log in first, and back afterwards. */
function needsSession(view) {
  return (args) => {
    if (!session()) {
      location.hash = `#/login?next=${encodeURIComponent(location.hash)}`;
      return null;
    }
    return view(main, ...args);
  };
}

const routes = [
  [/^#\/feed$/, () => renderFeed(main)],
  [/^#\/login(?:\?next=(.*))?$/, ([next]) => renderAuth(main, next ? decodeURIComponent(next) : "#/feed")],
  [/^#\/publish$/, needsSession(renderPublish)],
  [/^#\/me$/, needsSession(() => renderProfile(main, session().userId))],
  [/^#\/user\/(\d+)$/, ([id]) => renderProfile(main, Number(id))],
  [/^#\/user\/(\d+)\/(follows|followers)$/, ([id, kind]) => renderPeople(main, Number(id), kind)],
  [/^#\/friends$/, needsSession(renderFriends)],
  [/^#\/chat\/(\d+)$/, needsSession((_, id) => renderChat(main, Number(id)))],
];

function route() {
  if (cleanup) cleanup();
  cleanup = null;
  const hash = location.hash || "#/feed";
  main.replaceChildren();
  for (const [pattern, view] of routes) {
    const match = hash.match(pattern);
    if (match) {
      cleanup = view(match.slice(1)) || null;
      markTab(hash);
      return;
    }
  }
  location.hash = "#/feed";
}

function markTab(hash) {
  const tab = hash.split(/[/?]/)[1];
  for (const link of document.querySelectorAll(".tabs a")) {
    link.toggleAttribute("aria-current", link.dataset.tab === tab);
  }
}

window.addEventListener("hashchange", route);
route();
