/**
 * A plain Map adapter for oidc-provider: no LRU eviction (its bundled memory adapter keeps only 1000 entries,
 * which a benchmark would overflow), O(1) grant and session-uid indexes, expiry checked on read. Every call is
 * counted per model and method: this is oidc-provider's equivalent of "store queries".
 */
import { grantable } from './adapter-models.mjs';

export function createMapAdapter() {
  const entries = new Map(); // key -> { payload, expiresAt }
  const grants = new Map(); // grantId -> Set<key>
  const uids = new Map(); // session uid -> id
  const userCodes = new Map(); // user code -> id
  const counts = new Map(); // 'Model.method' -> n
  let total = 0;
  const count = (model, method) => {
    total++;
    const k = `${model}.${method}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  };
  const live = (key) => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return e.payload;
  };

  class MapAdapter {
    constructor(model) {
      this.model = model;
    }

    key(id) {
      return `${this.model}:${id}`;
    }

    async upsert(id, payload, expiresIn) {
      count(this.model, 'upsert');
      const key = this.key(id);
      entries.set(key, {
        payload,
        expiresAt: typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined,
      });
      if (this.model === 'Session' && payload.uid) uids.set(payload.uid, id);
      if (payload.userCode) userCodes.set(payload.userCode, id);
      if (grantable.has(this.model) && payload.grantId) {
        let members = grants.get(payload.grantId);
        if (!members) grants.set(payload.grantId, (members = new Set()));
        members.add(key);
      }
    }

    async find(id) {
      count(this.model, 'find');
      return live(this.key(id));
    }

    async findByUid(uid) {
      count(this.model, 'findByUid');
      const id = uids.get(uid);
      return id === undefined ? undefined : live(this.key(id));
    }

    async findByUserCode(userCode) {
      count(this.model, 'findByUserCode');
      const id = userCodes.get(userCode);
      return id === undefined ? undefined : live(this.key(id));
    }

    async consume(id) {
      count(this.model, 'consume');
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }

    async destroy(id) {
      count(this.model, 'destroy');
      const key = this.key(id);
      const payload = entries.get(key)?.payload;
      entries.delete(key);
      if (payload?.uid && uids.get(payload.uid) === id) uids.delete(payload.uid);
      if (payload?.grantId) grants.get(payload.grantId)?.delete(key);
    }

    async revokeByGrantId(grantId) {
      count(this.model, 'revokeByGrantId');
      for (const key of grants.get(grantId) ?? []) entries.delete(key);
      grants.delete(grantId);
    }
  }

  return {
    Adapter: MapAdapter,
    counters: () => ({ queries: total, byMethod: Object.fromEntries(counts) }),
  };
}
