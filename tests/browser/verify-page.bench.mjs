// Times the verify page on one list: `node verify-page.bench.mjs PAGE LIST
// KEY RUNS` prints the milliseconds of each run, from the click on "Verify"
// to the verdict, with the page opened from file:// and the network off.
// Used by bench/verify-page.sh.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROME_FLAGS } from './flags.mjs';

const [page, list, key, runs] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'rollcall-bench-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
  headless: true,
  args: CHROME_FLAGS.filter((f) => f !== '--headless'),
});
try {
  await context.setOffline(true);
  const times = [];
  for (let i = 0; i < Number(runs || 3); i += 1) {
    const p = await context.newPage();
    await p.goto(pathToFileURL(page).href);
    await p.locator('#file').setInputFiles(list);
    await p.locator('#keys').fill(key);
    const start = Date.now();
    await p.locator('#go').click();
    await p.locator('#result:not([hidden])').waitFor({ timeout: 600_000 });
    times.push(Date.now() - start);
    const verdict = await p.locator('#result').getAttribute('data-verdict');
    if (verdict !== 'valid') throw new Error(`the page found the list ${verdict}`);
    await p.close();
  }
  console.log(times.join(' '));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
