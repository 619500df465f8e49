// Open-loop likes and unlikes (half each) of random sampled videos by random logged-in users.
import { LOGINS, RATE, scenario, thresholds } from './lib/config.js';
import { setupSessions } from './lib/api.js';
import { like } from './lib/journeys.js';

export const options = { scenarios: { like: scenario('like', RATE) }, thresholds, setupTimeout: '120s' };

export function setup() {
  return setupSessions(LOGINS);
}

export { like };
