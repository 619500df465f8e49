// What app users do, one function per journey. Each takes the sessions setup() logged in
// and picks its user, ids and times at random from the seed manifest.
import http from 'k6/http';
import { pick } from './config.js';
import { chatPairs, seed, userIds, videoIds } from './data.js';
import { get, idAfter, post, upload } from './api.js';

// Scroll the feed from a random moment of the seeded time range: a page, then the next.
export function feed(data) {
  const s = pick(data.sessions);
  const span = seed.newestMs - seed.oldestMs + 1;
  const latest = seed.oldestMs + Math.floor(Math.random() * span) + 1;
  const first = get('/douyin/feed/', { latest_time: latest, token: s.token });
  if (first.body && first.body.video_list.length > 0 && Math.random() < 0.5) {
    get('/douyin/feed/', { latest_time: first.body.next_time, token: s.token });
  }
}

// Open a profile and its lists; one visit in twenty is the celebrity's.
export function profile(data) {
  const s = pick(data.sessions);
  const user = Math.random() < 0.05 ? seed.celebrity : pick(userIds);
  get('/douyin/user/', { user_id: user, token: s.token });
  get('/douyin/publish/list/', { user_id: user, token: s.token });
  get('/douyin/favorite/list/', { user_id: user, token: s.token });
  get('/douyin/relation/follow/list/', { user_id: user, token: s.token });
  get('/douyin/relation/follower/list/', { user_id: user, token: s.token });
}

// Like or unlike (half each) a random video.
export function like(data) {
  const s = pick(data.sessions);
  const action = Math.random() < 0.5 ? 1 : 2;
  post('/douyin/favorite/action/', { token: s.token, video_id: pick(videoIds), action_type: action });
}

// Comment on a video, read its comments, and delete the comment half of the time.
export function comment(data) {
  const s = pick(data.sessions);
  const video = pick(videoIds);
  const posted = post('/douyin/comment/action/', {
    token: s.token,
    video_id: video,
    action_type: 1,
    comment_text: `k6 comment ${Math.random().toString(36).slice(2, 10)}`,
  });
  get('/douyin/comment/list/', { video_id: video, token: s.token });
  const id = posted.body ? idAfter(posted.res, 'comment') : null;
  if (id && Math.random() < 0.5) {
    post('/douyin/comment/action/', { token: s.token, video_id: video, action_type: 2, comment_id: id });
  }
}

// Follow someone, unfollow half of the time, and look at one's friends.
export function follow(data) {
  const s = pick(data.sessions);
  const other = pick(userIds);
  if (other === s.id) return;
  post('/douyin/relation/action/', { token: s.token, to_user_id: other, action_type: 1 });
  if (Math.random() < 0.5) {
    post('/douyin/relation/action/', { token: s.token, to_user_id: other, action_type: 2 });
  }
  get('/douyin/relation/friend/list/', { user_id: s.id, token: s.token });
}

// The newest message time each VU has seen per conversation: a poll asks only for newer.
const seen = {};

// Poll one conversation at its newest message (what the app does every second).
export function chatPoll(data) {
  const { s, pair } = chatSession(data);
  if (!s) return;
  const key = `${pair.user_id}:${pair.peer_id}`;
  const after = seen[key] || pair.newest_ms;
  const polled = get('/douyin/message/chat/', { token: s.token, to_user_id: pair.peer_id, pre_msg_time: after });
  const list = polled.body ? polled.body.message_list : [];
  if (list.length > 0) seen[key] = Math.max(after, list[list.length - 1].create_time);
}

// Poll, send a message, poll again.
export function chat(data) {
  const { s, pair } = chatSession(data);
  if (!s) return;
  chatPoll(data);
  post('/douyin/message/action/', {
    token: s.token,
    to_user_id: pair.peer_id,
    action_type: 1,
    content: `k6 says hi ${Math.random().toString(36).slice(2, 8)}`,
  });
  chatPoll(data);
}

// Each logged-in user's conversations, found once per VU.
let pairsOf = null;

// A conversation whose user is logged in, with that user's session.
function chatSession(data) {
  if (pairsOf === null) {
    pairsOf = {};
    data.sessions.forEach((s) => (pairsOf[s.id] = []));
    for (let i = 0; i < chatPairs.length; i++) {
      const p = chatPairs[i];
      if (pairsOf[p.user_id]) pairsOf[p.user_id].push(p);
    }
  }
  const s = pick(data.sessions);
  const mine = pairsOf[s.id];
  return mine.length > 0 ? { s, pair: pick(mine) } : { s: null, pair: null };
}

// Publish a small real video. A random `free` box is appended (a valid MP4 box players
// skip), so each upload is new content and takes the full path: store, cover, record.
export function publish(data, mp4) {
  const s = pick(data.sessions);
  const bytes = new Uint8Array(mp4.byteLength + 16);
  bytes.set(new Uint8Array(mp4), 0);
  const box = new DataView(bytes.buffer, mp4.byteLength, 16);
  box.setUint32(0, 16);
  [0x66, 0x72, 0x65, 0x65].forEach((c, i) => box.setUint8(4 + i, c)); // "free"
  for (let i = 8; i < 16; i++) box.setUint8(i, Math.floor(Math.random() * 256));
  upload('/douyin/publish/action/', {
    token: s.token,
    title: `k6 video ${Math.random().toString(36).slice(2, 8)}`,
    data: http.file(bytes.buffer, 'video.mp4', 'video/mp4'),
  });
}
