// The feed + like mix the cold-start procedure runs (Redis is flushed in the middle of it):
// feed pages and likes in a 5 : 1 ratio of RATE iterations per second.
import { LOGINS, RATE, scenario, thresholds } from './lib/config.js';
import { setupSessions } from './lib/api.js';
import { feed, like } from './lib/journeys.js';

export const options = {
  scenarios: { feed: scenario('feed', (RATE * 5) / 6), like: scenario('like', RATE / 6) },
  thresholds,
  setupTimeout: '120s',
};

export function setup() {
  return setupSessions(LOGINS);
}

export { feed, like };
