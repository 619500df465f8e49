// The seed manifest (`seed` writes it), shared read-only by every VU. Ids are strings there
// (a format older than the 53-bit ids, which a JavaScript number now holds exactly).
import { SharedArray } from 'k6/data';

// Relative paths are read from this directory (loadtest/k6/lib), so the default is the
// repository's var/loadtest/seed.json.
export const MANIFEST = __ENV.MANIFEST || '../../../var/loadtest/seed.json';

// Parsed once per SharedArray, then shared read-only by every VU.
function manifest() {
  return JSON.parse(open(MANIFEST));
}

export const videoIds = new SharedArray('video ids', () => manifest().videos.sample_ids);
export const userIds = new SharedArray('user ids', () => manifest().users.sample_ids);
export const chatPairs = new SharedArray('chat pairs', () => manifest().chat);
export const logins = new SharedArray('logins', () => {
  const m = manifest();
  return m.users.login_names.map((name, i) => ({ name, id: m.users.login_ids[i] }));
});
// The scalar facts, as a one-element array so they too are parsed once.
const facts = new SharedArray('facts', () => {
  const m = manifest();
  return [{
    password: m.password,
    celebrity: m.celebrity.id,
    oldestMs: m.videos.oldest_ms,
    newestMs: m.videos.newest_ms,
    sampleMp4: m.sample_mp4,
  }];
})[0];
export const seed = facts;

