// The auditor's verify page: the trust crate as WebAssembly, opened from
// file:// with the network off, gives the verdict and the report
// `rollcall verify --json` gives, for valid and tampered lists, PDFs and
// receipts; served at /verify it offers the server's keys with a warning.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  BASE, BIN, LAPTOP, PHONE, PUBLIC_KEY, WORK, api, assertNoAxeViolations, checkInViaApi, launch, openMeeting, screenshot,
} from './lib.mjs';

const fr = JSON.parse(readFileSync(new URL('../../web/i18n/fr.json', import.meta.url), 'utf8'));
const en = JSON.parse(readFileSync(new URL('../../web/i18n/en.json', import.meta.url), 'utf8'));

const PAGE = join(WORK, 'rollcall-verify.html');
const files = {};

/** `rollcall verify FILE [--key KEY] --json`: exit status and report. */
function cli(file, key) {
  const args = ['verify', file, ...(key ? ['--key', key] : []), '--json'];
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 120_000 });
  let report = null;
  try {
    report = JSON.parse(r.stdout);
  } catch {
    report = null;
  }
  return { status: r.status, report, stderr: r.stderr };
}

/** Replaces the base64 character at `i` of `s` with another one. */
function flip(s, i) {
  return s.slice(0, i) + (s[i] === 'Q' ? 'R' : 'Q') + s.slice(i + 1);
}

before(async () => {
  // A closed meeting with three check-ins, its list as JSON and PDF, and a
  // receipt; then tampered copies of each.
  const meeting = await openMeeting('ISO/TC 37 plenary (verified in a browser)');
  // Its first session, open while everyone checks in.
  const session = await api('POST', `/meetings/${meeting.id}/sessions`, {
    name: 'Tuesday', starts_at: '2020-01-01T09:00:00Z', ends_at: '2099-01-01T17:00:00Z',
  });
  assert.equal(session.status, 201, session.text);
  assert.equal((await api('POST', `/meetings/${meeting.id}/sessions/1/open`)).status, 200);
  const people = [
    ['Ada Lovelace', 'BSI', 'United Kingdom / BSI'],
    ['Émilie du Châtelet', 'AFNOR', 'France / AFNOR'],
    ['Grace Hopper', 'ANSI', 'United States / ANSI'],
  ];
  let checkIn;
  const indices = [];
  for (const [name, organization, country] of people) {
    checkIn = await checkInViaApi(meeting, { name, organization, country, email: `${name.split(' ')[0].toLowerCase()}@example.org` });
    indices.push(checkIn.index);
  }
  // The secretary corrects one and strikes another (retrying while the
  // check-in is still being committed).
  const amend = async (body) => {
    for (let i = 0; i < 50; i++) {
      const res = await api('POST', `/meetings/${meeting.id}/amendments`, body);
      if (res.status !== 409 || res.json.error.code !== 'not_yet_recorded') return res;
      await new Promise((done) => setTimeout(done, 100));
    }
    throw new Error('the check-in was never committed');
  };
  assert.equal((await amend({ check_in: indices[0], action: 'correct', reason: 'organisation mistyped', organization: 'BSI Group' })).status, 201);
  assert.equal((await amend({ check_in: indices[1], action: 'strike', reason: 'a test check-in' })).status, 201);
  // The roster the registration system gave, and the delegations signed
  // before a decision.
  const roster = await api('POST', `/meetings/${meeting.id}/roster`, {
    csv: 'Name,Organisation,Country or national body,Role,Email\nAda Lovelace,BSI,United Kingdom / BSI,delegate,ada@example.org\nAlan Turing,BSI,United Kingdom / BSI,expert,\n',
  });
  assert.ok(roster.status === 200 || roster.status === 201, roster.text);
  assert.equal((await api('POST', `/meetings/${meeting.id}/delegations`)).status, 201);
  // One more joins from the video conference, with the remote link.
  const remote = (await api('GET', `/meetings/${meeting.id}/remote-link`)).json;
  const remotely = await api('POST', `/meetings/${meeting.id}/checkins`, {
    token: remote.token, name: 'Hedy Lamarr', organization: 'ASI', country: 'Austria / ASI',
    role: 'delegate', acknowledged: true, code_sha256: meeting.code_sha256,
  });
  assert.equal(remotely.status, 201, remotely.text);
  assert.equal((await api('POST', `/meetings/${meeting.id}/close`)).status, 200);
  const get = async (path) => {
    const res = await fetch(`${BASE}/api/v1${path}`, { headers: { authorization: `Bearer ${process.env.ROLLCALL_TOKEN}` } });
    assert.equal(res.status, 200, path);
    return Buffer.from(await res.arrayBuffer());
  };
  const save = (name, bytes) => {
    const file = join(WORK, name);
    writeFileSync(file, bytes);
    files[name] = file;
  };
  const bundle = await get(`/meetings/${meeting.id}/bundle`);
  save('list.json', bundle);
  save('list.pdf', await get(`/meetings/${meeting.id}/attendance.pdf`));
  const receipt = await get(`/receipts/${checkIn.receipt_id}`);
  save('receipt.json', receipt);
  const b = JSON.parse(bundle);
  b.entries[2].envelope.signatures[0].sig = flip(b.entries[2].envelope.signatures[0].sig, 5);
  save('tampered-list.json', JSON.stringify(b));
  const r = JSON.parse(receipt);
  r.entry.envelope.payload = flip(r.entry.envelope.payload, 40);
  save('tampered-receipt.json', JSON.stringify(r));
  // The receipt as fetched the moment its attendee checked in: signed, not
  // yet covered by a checkpoint (no inclusion proof, no checkpoint).
  const early = JSON.parse(receipt);
  delete early.inclusion;
  delete early.checkpoint;
  save('pending-receipt.json', JSON.stringify(early));
  // A PDF whose attached list was changed after printing: its compressed
  // data no longer decompresses.
  const pdf = readFileSync(files['list.pdf']);
  const at = pdf.indexOf('/Type/EmbeddedFile');
  assert.ok(at > 0, 'the PDF has an embedded file');
  const streamAt = pdf.indexOf('stream', at) + 40;
  pdf[streamAt] ^= 0x55;
  save('tampered-list.pdf', pdf);
  // The list as a common tool saves it again (compressed object streams).
  const q = spawnSync('qpdf', ['--object-streams=generate', files['list.pdf'], join(WORK, 're-saved.pdf')]);
  assert.equal(q.status, 0, `qpdf: ${q.stderr}`);
  files['re-saved.pdf'] = join(WORK, 're-saved.pdf');
  // The page as an auditor keeps it.
  const w = spawnSync(BIN, ['verify', '--page', PAGE], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(w.status, 0, w.stderr);
});

/** Opens the page from disk with every network request refused and counted. */
async function offlinePage(options = LAPTOP) {
  const { context, close } = await launch(options);
  const requests = [];
  await context.route(/^(https?|wss?):/, (route) => {
    requests.push(route.request().url());
    return route.abort();
  });
  await context.setOffline(true);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(pathToFileURL(PAGE).href);
  return { page, close, requests, errors };
}

/** Verifies `file` in the page; returns the verdict and the report shown. */
async function verifyInPage(page, file, key) {
  await page.locator('#file').setInputFiles(file);
  await page.locator('#keys').fill(key ?? '');
  await page.getByRole('button', { name: en['verify.go'] }).click();
  await page.locator('#result:not([hidden])').waitFor({ timeout: 60_000 });
  const verdict = await page.locator('#result').getAttribute('data-verdict');
  let json = null;
  if (await page.locator('#report-json').count()) {
    await page.locator('#result details summary').click();
    await page.waitForFunction(() => document.getElementById('report-json').textContent.length > 0);
    json = JSON.parse(await page.locator('#report-json').textContent());
  }
  const text = await page.locator('#result').innerText();
  return { verdict, report: json, text };
}

test('the page opened from disk with the network off gives the verdicts and reports of rollcall verify', async () => {
  const size = statSync(PAGE).size;
  assert.ok(size <= 1024 * 1024, `the self-contained page is ${size} bytes, more than 1 MB`);
  console.log(`verify page: ${(size / 1024).toFixed(0)} KB`);
  const { page, close, requests, errors } = await offlinePage();
  try {
    const cases = [
      ['list.json', PUBLIC_KEY, 'valid'],
      ['list.pdf', PUBLIC_KEY, 'valid'],
      ['re-saved.pdf', PUBLIC_KEY, 'valid'],
      ['receipt.json', PUBLIC_KEY, 'valid'],
      ['tampered-list.json', PUBLIC_KEY, 'invalid'],
      ['tampered-receipt.json', PUBLIC_KEY, 'invalid'],
      ['pending-receipt.json', PUBLIC_KEY, 'pending'],
      ['list.json', undefined, 'valid'],
    ];
    for (const [name, key, expected] of cases) {
      const shell = cli(files[name], key);
      const shown = await verifyInPage(page, files[name], key);
      const what = `${name} ${key ? 'with the pinned key' : 'without a key'}`;
      assert.equal(shown.verdict, expected, `${what}: ${shown.text}`);
      assert.equal(shell.status, { valid: 0, invalid: 1, pending: 3 }[expected], `${what}: CLI ${shell.stderr}`);
      assert.deepEqual(shown.report, shell.report, `${what}: the page's report is the CLI's`);
      for (const f of shell.report.failures) {
        assert.ok(shown.text.includes(f.reason), `${what}: the page names the problem "${f.reason}"`);
      }
      for (const w of shell.report.warnings) assert.ok(shown.text.includes(w), `${what}: the page warns "${w}"`);
      if (name.endsWith('.pdf')) assert.match(shown.text, /attendance-bundle\.json/);
      if (expected === 'pending') assert.ok(shown.text.includes(en['verify.pending']), shown.text);
      if (expected === 'valid' && name.startsWith('list')) {
        assert.match(shown.text, /Émilie du Châtelet/);
        assert.deepEqual([shell.report.room, shell.report.remote], [2, 1], `${what}: room and remote, the struck one left out`);
        assert.match(shown.text, new RegExp(`${en['verify.counts.room'].replace(/[()]/g, '\\$&')}\\s+2\\b`));
        // The session, the correction and the strike, as the report gives them.
        assert.ok(shown.text.includes(en['verify.sessions']), shown.text);
        assert.match(shown.text, /Tuesday/);
        assert.ok(shown.text.includes(en['verify.amendments']), shown.text);
        assert.ok(shown.text.includes(`BSI Group (${en['verify.corrected']})`), shown.text);
        assert.ok(shown.text.includes('Reason: a test check-in'), shown.text);
        assert.equal(await page.locator('#result tr.struck').count(), 1, `${what}: the struck row`);
        // The roster's commitment and counts, and the delegation snapshot.
        assert.ok(shown.text.includes(en['verify.roster']), shown.text);
        assert.deepEqual(shell.report.roster_counts, {
          expected: 2, present_room: 2, present_remote: 1, absent: 1, walk_ins: 2, repeats: 0,
        }, `${what}: Ada matched, Alan absent; Grace and Hedy not on the roster`);
        assert.ok(shown.text.includes(en['verify.delegations']), shown.text);
        assert.match(shown.text, /delegation\(s\) present: .*United Kingdom \/ BSI \(1/);
        assert.match(shown.text, new RegExp(`${en['verify.counts.remote']}\\s+1\\b`));
        assert.match(shown.text, new RegExp(`sha256:${shell.report.codes[0].sha256}`));
      }
    }
    // A PDF whose attachment was damaged: no verdict, and the reason the CLI gives.
    const shell = spawnSync(BIN, ['verify', files['tampered-list.pdf'], '--key', PUBLIC_KEY], { encoding: 'utf8' });
    assert.equal(shell.status, 2, shell.stdout + shell.stderr);
    const reason = shell.stderr.split(`${files['tampered-list.pdf']}: `)[1].trim();
    assert.match(reason, /damaged/);
    await page.locator('#file').setInputFiles(files['tampered-list.pdf']);
    await page.getByRole('button', { name: en['verify.go'] }).click();
    await page.getByRole('heading', { name: en['verify.verdict.unreadable'] }).waitFor();
    assert.ok((await page.locator('#result').innerText()).includes(reason), `the page says "${reason}"`);
    // A key that is not a key is named, not ignored.
    await page.locator('#file').setInputFiles(files['list.json']);
    await page.locator('#keys').fill('not-a-key');
    await page.getByRole('button', { name: en['verify.go'] }).click();
    await page.locator('#result').getByText(/^line 1: /).waitFor();
    assert.deepEqual(requests, [], 'the page made no network request');
    assert.deepEqual(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED/.test(e)), [], 'no script errors');
  } finally {
    await close();
  }
});

test('an auditor on a phone verifies the PDF list in the page, in French, with no accessibility violation', async () => {
  const { page, close, requests } = await offlinePage(PHONE);
  try {
    await assertNoAxeViolations(page, 'the verify page, empty (phone)');
    await page.getByRole('button', { name: 'Français' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'fr');
    await page.getByRole('heading', { name: fr['verify.title'] }).waitFor();
    await page.locator('#file').setInputFiles(files['list.pdf']);
    await page.locator('#keys').fill(PUBLIC_KEY);
    await page.getByRole('button', { name: fr['verify.go'] }).click();
    await page.getByRole('heading', { name: fr['verify.verdict.valid.bundle'] }).waitFor({ timeout: 60_000 });
    const result = await page.locator('#result').innerText();
    assert.match(result, new RegExp(`${fr['verify.counts.remote']}\\s+1\\b`), result);
    assert.ok(result.includes(fr['verify.amendments']) && result.includes(fr['verify.sessions']), result);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.equal(overflow, 0, 'the page scrolls sideways on a 390 px phone');
    await screenshot(page, 'phone-verify-page', { fullPage: true });
    await assertNoAxeViolations(page, 'the verify page with a valid list (phone, French)');
    await page.locator('#file').setInputFiles(files['tampered-list.json']);
    await page.getByRole('button', { name: fr['verify.go'] }).click();
    await page.getByRole('heading', { name: fr['verify.verdict.invalid.bundle'] }).waitFor({ timeout: 60_000 });
    await assertNoAxeViolations(page, 'the verify page with an invalid list (phone, French)');
    assert.deepEqual(requests, []);
  } finally {
    await close();
  }
});

test('the server serves the page at /verify with its keys and a warning, and the same file to keep', async () => {
  const res = await fetch(`${BASE}/verify`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /connect-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /'unsafe-inline'|'unsafe-eval'/);
  const kept = await fetch(`${BASE}/verify/rollcall-verify.html`, { headers: { 'accept-language': 'en' } });
  assert.match(kept.headers.get('content-disposition'), /attachment; filename="rollcall-verify.html"/);
  assert.equal(await kept.text(), readFileSync(PAGE, 'utf8'), 'the download is the page `rollcall verify --page` writes');

  const { context, close } = await launch(LAPTOP);
  try {
    const page = await context.newPage();
    const requests = [];
    page.on('request', (r) => {
      if (/^https?:/.test(r.url())) requests.push(r.url());
    });
    await page.goto(`${BASE}/verify`);
    await page.getByText(en['verify.keys.server_warning']).first().waitFor();
    await page.getByRole('button', { name: en['verify.keys.use_server'] }).click();
    assert.match(await page.locator('#keys').inputValue(), new RegExp(PUBLIC_KEY.replace(/[+/=]/g, '\\$&')));
    await page.locator('#file').setInputFiles(files['list.pdf']);
    await page.getByRole('button', { name: en['verify.go'] }).click();
    await page.getByRole('heading', { name: en['verify.verdict.valid.bundle'] }).waitFor({ timeout: 60_000 });
    // The verdict says the key came from the same place as the file.
    assert.ok((await page.locator('#result').innerText()).includes(en['verify.keys.server_warning']));
    await assertNoAxeViolations(page, 'the verify page served by rollcall');
    assert.deepEqual(requests, [`${BASE}/verify`], 'the page fetched nothing after itself');
  } finally {
    await close();
  }
});

test('the receipt page and the printed list point to the verify page', async () => {
  const meeting = await openMeeting('ISO/TC 37/SC 2 meeting');
  const checkIn = await checkInViaApi(meeting, { name: 'Ada Lovelace', organization: 'BSI', country: 'United Kingdom / BSI' });
  const receipt = await (await fetch(checkIn.receipt_url)).text();
  assert.match(receipt, /<a id="verify-page" href="\/verify">/);
  assert.equal((await api('POST', `/meetings/${meeting.id}/close`)).status, 200);
  const { context, close } = await launch(LAPTOP);
  try {
    const page = await context.newPage();
    await page.goto(`${BASE}/login`);
    await page.getByLabel('Email').fill(process.env.ROLLCALL_EMAIL);
    await page.getByLabel('Password').fill(process.env.ROLLCALL_PASSWORD);
    await Promise.all([page.waitForURL(/\/console$/), page.getByRole('button', { name: /sign in/i }).click()]);
    await page.goto(`${BASE}/console/meetings/${meeting.id}/list`);
    assert.ok((await page.locator('#verify-page').innerText()).endsWith(`${BASE}/verify`));
  } finally {
    await close();
  }
  const pdf = join(WORK, 'pointing.pdf');
  const res = await fetch(`${BASE}/api/v1/meetings/${meeting.id}/attendance.pdf`, { headers: { authorization: `Bearer ${process.env.ROLLCALL_TOKEN}` } });
  writeFileSync(pdf, Buffer.from(await res.arrayBuffer()));
  const text = spawnSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).stdout;
  assert.match(text.replace(/\s+/g, ' '), new RegExp(`${BASE.replace(/[.:/]/g, '\\$&')}/verify`));
});
