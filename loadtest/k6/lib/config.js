// Settings every script reads from the environment, and the shape of its scenarios.

export const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8080').replace(/\/$/, '');
// Iterations per second offered (open loop) and for how long.
export const RATE = Number(__ENV.RATE || 50);
export const DURATION = __ENV.DURATION || '30s';
// `constant` (default) or `ramp`: from START_RATE up to RATE in STEPS equal steps.
export const MODE = __ENV.MODE || 'constant';
export const START_RATE = Number(__ENV.START_RATE || Math.max(1, Math.round(RATE / 10)));
export const STEPS = Number(__ENV.STEPS || 5);
// How many seeded users setup() logs in (each login is one Argon2 verification).
export const LOGINS = Number(__ENV.LOGINS || 100);
// Most VUs one scenario may start (each holds memory; past this k6 drops iterations).
export const MAX_VUS = Number(__ENV.MAX_VUS || 400);
// Dropped iterations allowed before the run fails (open loop: a drop is load not offered).
export const MAX_DROPPED = Number(__ENV.MAX_DROPPED || 0);

export function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

// The `scenarios` entry for one open-loop scenario at `rate` iterations/s running `exec`.
// Rates are per minute so that a journey of 1 % still runs at low total rates.
export function scenario(exec, rate) {
  const perMinute = Math.max(1, Math.round(rate * 60));
  // Enough for iterations of up to a second at the offered rate before k6 drops any.
  const maxVUs = Math.min(MAX_VUS, Math.max(10, Math.ceil(rate)));
  const common = {
    exec,
    timeUnit: '1m',
    // k6 refuses more pre-allocated VUs than its maximum.
    preAllocatedVUs: Math.min(maxVUs, Math.max(2, Math.ceil(rate / 5))),
    maxVUs,
  };
  if (MODE === 'ramp') {
    const start = Math.max(1, Math.round((perMinute * START_RATE) / RATE));
    const stages = [];
    for (let i = 1; i <= STEPS; i++) {
      const target = Math.round(start + ((perMinute - start) * i) / STEPS);
      stages.push({ target, duration: '1s' }, { target, duration: DURATION });
    }
    return Object.assign(common, { executor: 'ramping-arrival-rate', startRate: start, stages });
  }
  return Object.assign(common, { executor: 'constant-arrival-rate', rate: perMinute, duration: DURATION });
}

// Thresholds every script keeps: every check passes, no request fails, nothing dropped.
export const thresholds = {
  checks: ['rate==1'],
  http_req_failed: ['rate==0'],
  dropped_iterations: [`count<=${MAX_DROPPED}`],
};
