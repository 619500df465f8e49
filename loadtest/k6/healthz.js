// Open-loop `/healthz`: the ceiling of the HTTP stack, measured beside a composed route.
import http from 'k6/http';
import { check } from 'k6';
import { BASE_URL, RATE, scenario, thresholds } from './lib/config.js';

export const options = { scenarios: { healthz: scenario('healthz', RATE) }, thresholds };

export function healthz() {
  const res = http.get(`${BASE_URL}/healthz`, { tags: { name: '/healthz' } });
  check(res, { '/healthz HTTP 200': (r) => r.status === 200 });
}
