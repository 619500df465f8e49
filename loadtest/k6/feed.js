// Open-loop feed pages with a token at random `latest_time`s over the seeded time range.
import { LOGINS, RATE, scenario, thresholds } from './lib/config.js';
import { setupSessions } from './lib/api.js';
import { feed } from './lib/journeys.js';

export const options = { scenarios: { feed: scenario('feed', RATE) }, thresholds, setupTimeout: '120s' };

export function setup() {
  return setupSessions(LOGINS);
}

export { feed };
