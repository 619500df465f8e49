"""The web app end to end in headless Chromium (Debian's, driven by Playwright; never a
downloaded browser), against a running all-in-one: two people in two browser contexts (a
phone and a desktop) sign up, publish a real MP4, watch it play, like, comment, follow each
other, become friends and chat live. Also the app's error paths: a wrong password, a file
that is not a video, the edge answering 503. No console error, no failed request and no
request to another host may happen. Screenshots of each step go to --artifacts.

Run by bins/gophertok/tests/web_app.rs; by hand:
  python e2e.py --base http://127.0.0.1:8080 --chromium /usr/bin/chromium \
      --artifacts /tmp/shots --gophertok target/debug/gophertok
"""

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import expect, sync_playwright

FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PASSWORD = "secret123"
# Each message must show on the other side within this long of its send being stored.
LIVE_MS = 1000


class Watch:
    """What a page did that a user would see as broken."""

    def __init__(self, base, name):
        self.origin = urlparse(base).netloc
        self.name = name
        self.problems = []
        # Error answers the test provokes on purpose: (path part, status).
        self.expected = set()

    def attach(self, page):
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("requestfailed", self.failed)
        page.on("request", self.request)
        page.on("response", self.response)

    def console(self, message):
        if message.type != "error":
            return
        # Chromium logs every error answer; those the test provoked are not problems.
        url = urlparse((message.location or {}).get("url", "")).path
        if "Failed to load resource" in message.text and self.provoked(url, message.text):
            return
        self.problems.append(f"console error: {message.text} ({url})")

    def provoked(self, path, text):
        return any(part in path and f"status of {status} " in text for part, status in self.expected)

    def request(self, request):
        host = urlparse(request.url).netloc
        if request.url.startswith(("http:", "https:")) and host != self.origin:
            self.problems.append(f"request to another host: {request.url}")

    def failed(self, request):
        reason = request.failure or ""
        # A video element cancels its range requests when it is paused, moved on or
        # removed; that is the browser's choice, not a failed request.
        if "/media/" in request.url and "ERR_ABORTED" in reason:
            return
        # An EventSource is closed when its view is left.
        if "/message/stream/" in request.url and "ERR_ABORTED" in reason:
            return
        self.problems.append(f"request failed: {request.method} {request.url} {reason}")

    def response(self, response):
        if response.status < 400:
            return
        path = urlparse(response.url).path
        if self.provoked(path, f"status of {response.status} "):
            return
        self.problems.append(f"error answer: {response.status} {response.url}")


def clip(path):
    """A real 3 s H.264 MP4, as a phone would record one."""
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "testsrc=duration=3:size=320x240:rate=25", "-pix_fmt", "yuv420p",
         "-c:v", "libx264", "-movflags", "+faststart", str(path)],
        check=True,
    )
    return path


class Person:
    def __init__(self, browser, base, name, shots, **device):
        self.base, self.name, self.shots = base, name, shots
        self.context = browser.new_context(**device)
        self.page = self.context.new_page()
        self.watch = Watch(base, name)
        self.watch.attach(self.page)
        self.step = 0

    def shot(self, what):
        self.step += 1
        self.page.screenshot(path=str(self.shots / f"{self.name}-{self.step:02d}-{what}.png"))

    def go(self, hash_):
        self.page.goto(f"{self.base}/{hash_}")

    def user_id(self):
        return self.page.evaluate("JSON.parse(localStorage.getItem('gophertok.session')).userId")

    def sign_up(self):
        self.go("#/me")
        expect(self.page.get_by_label("Username")).to_be_visible()
        self.page.get_by_label("Username").fill(self.name)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign up").click()
        expect(self.page.locator(".who-card h1")).to_have_text(self.name)
        self.shot("signed-up")

    def log_in(self, password):
        self.page.get_by_label("Username").fill(self.name)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Log in").click()


def wrong_password_then_log_in(person):
    page = person.page
    page.get_by_role("button", name="Log out").click()
    # A page that needs a session asks for one, and comes back after the log in.
    person.go("#/me")
    expect(page.get_by_label("Username")).to_be_visible()
    person.watch.expected.add(("/douyin/user/login", 401))
    person.log_in("not-the-password")
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    person.shot("wrong-password")
    person.log_in(PASSWORD)
    expect(page.locator(".who-card h1")).to_have_text(person.name)
    person.shot("logged-in")


def refused_file(person, work):
    page = person.page
    person.go("#/publish")
    not_video = work / "notes.mp4"
    not_video.write_bytes(b"these are my notes, not a video\n" * 40)
    person.watch.expected.add(("/douyin/publish/action", 400))
    page.get_by_label("Video file").set_input_files(str(not_video))
    page.get_by_label("Title").fill("not a video")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("alert")).to_contain_text("This file was refused")
    person.shot("refused-file")
    return not_video


def unavailable(person, not_video, gophertok):
    """With uploads switched off in the config centre, the edge answers 503 and the app says so."""
    page = person.page
    person.watch.expected.add(("/douyin/publish/action", 503))
    subprocess.run([gophertok, "config", "set", "features.uploads", "off"], check=True)
    try:
        deadline = time.time() + 10
        while True:
            page.get_by_label("Video file").set_input_files(str(not_video))
            page.get_by_role("button", name="Publish").click()
            alert = page.get_by_role("alert")
            expect(alert).not_to_have_text("")
            if "unavailable" in alert.inner_text():
                break
            assert time.time() < deadline, f"never a 503: {alert.inner_text()}"
            time.sleep(0.3)
        person.shot("unavailable")
    finally:
        subprocess.run([gophertok, "config", "set", "features.uploads", "on"], check=True)
    time.sleep(1.5)


def publish(person, video, title):
    page = person.page
    person.go("#/publish")
    page.get_by_label("Video file").set_input_files(str(video))
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Publish").click()
    progress = page.get_by_label("Upload progress")
    expect(progress).to_be_visible()
    expect(page.locator(".percent")).to_have_text("100%")
    person.shot("upload-progress")
    expect(page.locator(".who-card h1")).to_have_text(person.name, timeout=20_000)
    expect(page.get_by_role("button", name=f"Play {title}")).to_be_visible()
    person.shot("published")


def watch_like_comment_follow(viewer, title):
    page = viewer.page
    viewer.go("#/feed")
    card = page.locator(".card").first
    expect(card.locator(".title")).to_have_text(title)
    page.wait_for_function(
        "() => { const v = document.querySelector('.card video'); return v && v.currentTime > 0.5; }",
        timeout=15_000,
    )
    viewer.shot("playing")
    like = card.locator(".like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")
    card.locator(".comments").click()
    page.get_by_label("Add a comment").fill("great clip!")
    page.get_by_role("button", name="Post").click()
    expect(page.locator(".comment-list li").first).to_contain_text("great clip!")
    viewer.shot("commented")
    page.keyboard.press("Escape")
    follow = card.locator(".follow")
    follow.click()
    expect(follow).to_have_text("Following")
    viewer.shot("followed")


def follow_back(person, other_id):
    page = person.page
    person.go(f"#/user/{other_id}")
    button = page.locator(".who-card .follow")
    expect(button).to_have_text("Follow")
    button.click()
    expect(button).to_have_text("Following")
    person.shot("followed-back")


def open_chat(person, friend_name):
    page = person.page
    person.go("#/friends")
    friend = page.locator(".friend", has_text=friend_name)
    expect(friend).to_be_visible()
    person.shot("friends")
    friend.click()
    expect(page.locator(".chat h1")).to_have_text(friend_name)


def say(sender, receiver, text):
    """Sends `text` and checks it shows on the other side, live, within LIVE_MS."""
    page = sender.page
    page.get_by_label("Message").fill(text)
    with page.expect_response(lambda r: "/douyin/message/action" in r.url) as sent:
        page.get_by_role("button", name="Send").click()
    assert sent.value.ok, sent.value.status
    expect(receiver.page.locator(".messages li", has_text=text)).to_be_visible(timeout=LIVE_MS)
    expect(page.locator(".messages .mine", has_text=text)).to_be_visible()
    receiver.shot("message-arrived")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--chromium", required=True)
    parser.add_argument("--artifacts", required=True)
    parser.add_argument("--gophertok", required=True)
    args = parser.parse_args()
    shots = Path(args.artifacts)
    shots.mkdir(parents=True, exist_ok=True)
    video = clip(shots / "clip.mp4")
    suffix = str(os.getpid())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=args.chromium, args=FLAGS, headless=True)
        phone = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        alice = Person(browser, args.base, f"alice{suffix}", shots, **phone)
        bob = Person(browser, args.base, f"bob{suffix}", shots, viewport={"width": 1280, "height": 800})
        title = f"hello from {alice.name}"
        alice.sign_up()
        bob.sign_up()
        wrong_password_then_log_in(bob)
        not_video = refused_file(alice, shots)
        unavailable(alice, not_video, args.gophertok)
        publish(alice, video, title)
        watch_like_comment_follow(bob, title)
        follow_back(alice, bob.user_id())
        open_chat(alice, bob.name)
        open_chat(bob, alice.name)
        say(alice, bob, "hi bob, nice to meet you")
        say(bob, alice, "hi alice! love the clip")
        problems = alice.watch.problems + bob.watch.problems
        browser.close()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(json.dumps({"ok": True, "screenshots": len(list(shots.glob("*.png")))}))


if __name__ == "__main__":
    main()
