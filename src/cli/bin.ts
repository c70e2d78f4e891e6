#!/usr/bin/env node
// The `hourglass` command (package.json `bin`). main.ts's modules load the native engine while
// they are evaluated, before main's error handler exists, so an engine that cannot load (no
// prebuilt binary for this platform, a missing library) would reach the user as a stack
// trace; importing main.ts from here turns it into the one-line error every command gives.
import { HourglassError } from '../core/errors.js';

import('./main.js').catch((error: unknown) => {
  if (!(error instanceof HourglassError)) throw error;
  process.stderr.write(`hourglass: error: ${error.message}\n`);
  process.exitCode = 1;
});
