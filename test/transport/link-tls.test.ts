// The link protocol over real TLS 1.3 WebSockets on loopback passes the shared suite.
import { test } from 'uvu';
import { linkConformance } from './link-conformance.js';
import { tlsPairFactory } from './support.js';

linkConformance(test, tlsPairFactory());

test.run();
