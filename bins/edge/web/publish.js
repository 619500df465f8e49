// Publish: pick a video file, give it a title, watch the upload's progress; the new video
// is then on the profile (and at the top of the feed). A refused file says why.

import { publish, session } from "./api.js";
import { explain, h, toast } from "./dom.js";

export function renderPublish(main) {
  const file = h("input", { type: "file", name: "data", accept: "video/*", required: true, "aria-label": "Video file" });
  const title = h("input", { name: "title", required: true, maxlength: 100, placeholder: "What is it about?", "aria-label": "Title" });
  const bar = h("progress", { max: "1", value: "0", "aria-label": "Upload progress", hidden: true });
  const percent = h("span", { class: "percent", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert" });
  const send = h("button", { type: "submit", class: "primary" }, "Publish");
  const form = h("form", { class: "panel publish", onsubmit: async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!file.files[0] || !title.value.trim()) {
      error.textContent = "Choose a video and give it a title.";
      return;
    }
    send.disabled = true;
    bar.hidden = false;
    const progress = (fraction) => {
      bar.value = fraction;
      percent.textContent = `${Math.round(fraction * 100)}%`;
    };
    try {
      await publish(file.files[0], title.value.trim(), progress);
      progress(1);
      toast("Published!");
      // A moment on the full bar, then the profile with the new video.
      await new Promise((done) => setTimeout(done, 600));
      location.hash = `#/user/${session().userId}`;
    } catch (failure) {
      error.textContent = failure.status === 400 || failure.status === 413
        ? `This file was refused: ${failure.message}`
        : explain(failure);
    } finally {
      send.disabled = false;
    }
  } },
  h("h1", {}, "Publish a video"),
  h("label", {}, "Video", file),
  h("label", {}, "Title", title),
  h("div", { class: "row" }, bar, percent),
  error,
  send);
  main.append(form);
}
