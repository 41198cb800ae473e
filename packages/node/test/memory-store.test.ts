import { MemorySessionStore } from '../src/index.js';
import { defineStoreContract } from './support/store-contract.js';

defineStoreContract('MemorySessionStore', { make: async () => new MemorySessionStore() });
