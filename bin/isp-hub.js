#!/usr/bin/env node
// Runs the compiled CLI (built by `npm ci` through the `prepare` script).
import('../dist/cli/main.js').catch((error) => {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND') {
    process.stderr.write('isp-hub: not built yet; run `npm ci` (or `npm run build`) first\n');
    process.exit(2);
  }
  throw error;
});
