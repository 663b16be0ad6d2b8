// The link protocol over the in-memory network passes the shared suite.
import { test } from 'uvu';
import { linkConformance } from './link-conformance.js';
import { memoryPair } from './support.js';

linkConformance(test, memoryPair);

test.run();
