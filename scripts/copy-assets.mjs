// Copies the non-TypeScript files the compiled hub reads at run time (Lua
// scripts, the console's static files) from src/ to dist/, keeping their paths.
import { cp, readdir } from 'node:fs/promises';
import path from 'node:path';

const ASSET = /\.(lua|html|css|js|svg|png|ico|txt)$/;
const CONSOLE_DIR = `src${path.sep}console${path.sep}`;

async function* walk(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else yield full;
  }
}

let copied = 0;
for await (const file of walk('src')) {
  if (!ASSET.test(file)) continue;
  // Plain .js under src/ is only an asset in the console folder (browser code).
  if (file.endsWith('.js') && !file.includes(CONSOLE_DIR)) continue;
  await cp(file, path.join('dist', path.relative('src', file)));
  copied += 1;
}
console.log(`copy-assets: ${copied} files`);
