import { describe } from 'vitest';
import { defineAppSuite } from './support/app-suite.js';

describe('Fastify app over @adieu/node', () => defineAppSuite('fastify'));
