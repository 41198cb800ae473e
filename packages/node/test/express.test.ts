import { describe } from 'vitest';
import { defineAppSuite } from './support/app-suite.js';

describe('Express app over @adieu/node', () => defineAppSuite('express'));
