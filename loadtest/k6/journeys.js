// Weighted app-user journeys, each its own open-loop (arrival-rate) scenario so the mix is
// what is offered, whatever the latencies: feed 60 %, profile 10 %, like 12 %, comment 8 %,
// follow 5 %, chat 4 %, publish 1 % of RATE journeys per second.
import { LOGINS, RATE, scenario, thresholds } from './lib/config.js';
import { seed } from './lib/data.js';
import { setupSessions } from './lib/api.js';
import * as j from './lib/journeys.js';

const WEIGHTS = { feed: 0.6, profile: 0.1, like: 0.12, comment: 0.08, follow: 0.05, chat: 0.04, publish: 0.01 };

const scenarios = {};
for (const [name, weight] of Object.entries(WEIGHTS)) {
  scenarios[name] = scenario(name, RATE * weight);
}

export const options = { scenarios, thresholds, setupTimeout: '120s' };

// The video the publish journey uploads (read once per VU at start).
const mp4 = open(seed.sampleMp4, 'b');

export function setup() {
  return setupSessions(LOGINS);
}

export const feed = j.feed;
export const profile = j.profile;
export const like = j.like;
export const comment = j.comment;
export const follow = j.follow;
export const chat = j.chat;
export function publish(data) {
  j.publish(data, mp4);
}
