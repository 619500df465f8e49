// Open-loop chat polls at each conversation's newest message (the app's one-second poll).
import { LOGINS, RATE, scenario, thresholds } from './lib/config.js';
import { setupSessions } from './lib/api.js';
import { chatPoll } from './lib/journeys.js';

export const options = { scenarios: { chat_poll: scenario('chatPoll', RATE) }, thresholds, setupTimeout: '120s' };

export function setup() {
  return setupSessions(LOGINS);
}

export { chatPoll };
