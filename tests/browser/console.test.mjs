// The secretary's console, from signing in to the exported lists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  LAPTOP, BASE, hoursFromNow, WORK, assertVerifies, launch, checkInViaApi, api, signIn, assertNoAxeViolations, screenshot,
} from './lib.mjs';

async function download(page, link, name) {
  const [d] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const file = join(WORK, name ?? d.suggestedFilename());
  await d.saveAs(file);
  return { file, suggested: d.suggestedFilename() };
}

test('secretary signs in, runs a meeting and exports a list that verifies', async () => {
  const { context, close } = await launch(LAPTOP);
  try {
    const page = await context.newPage();

    // Signing in.
    await page.goto(`${BASE}/console`);
    assert.equal(new URL(page.url()).pathname, '/login', 'the console asks for a sign-in');
    await assertNoAxeViolations(page, 'the sign-in page');
    await page.getByLabel('Password').fill('not the password');
    await page.getByLabel('Email').fill('secretary@example.org');
    await page.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await page.getByRole('alert').innerText(), /email or password is wrong/);
    await signIn(page);
    await page.getByRole('heading', { name: 'Meetings', level: 1 }).waitFor();
    await assertNoAxeViolations(page, 'the console meetings page');

    // Creating a meeting, with one mistake first.
    await page.getByLabel('Title', { exact: true }).fill('ISO/TC 37 plenary');
    await page.getByLabel(/Committee or working group/).fill('ISO/TC 37');
    await page.getByLabel('Location', { exact: true }).fill('Geneva, room 3');
    // The browser's own date-and-time fields: the wall clock in the zone chosen.
    await page.getByLabel(/^Starts/).fill(hoursFromNow(-1).slice(0, 16));
    await page.getByLabel(/^Ends/).fill(hoursFromNow(-2).slice(0, 16));
    await page.getByLabel(/^Time zone/).fill('UTC');
    await page.getByLabel(/^Contact for concerns/).fill('javascript:alert(1)');
    await page.getByRole('button', { name: 'Create meeting' }).click();
    const errors = await page.getByRole('alert').innerText();
    assert.match(errors, /End must be after the start/);
    assert.match(errors, /Contact for concerns must be an https:\/\/ address or an email address, not a javascript: link/);
    await assertNoAxeViolations(page, 'the console meetings page with an error');
    await page.getByLabel(/^Ends/).fill(hoursFromNow(7).slice(0, 16));
    await page.getByLabel(/^Contact for concerns/).fill('https://example.org/code-of-conduct/concerns');
    await page.getByRole('button', { name: 'Create meeting' }).click();
    await page.getByRole('heading', { name: 'ISO/TC 37 plenary', level: 1 }).waitFor();
    const id = new URL(page.url()).pathname.split('/').pop();
    assert.match(id, /^m-[a-z0-9]{10}$/);
    assert.equal(
      await page.locator('#concern-contact a').getAttribute('href'),
      'https://example.org/code-of-conduct/concerns',
    );
    // The agenda snippets link the Code's training programme too.
    assert.match(
      await page.getByLabel('Snippet for a Markdown agenda').inputValue(),
      new RegExp(`\\(\\[Training on this Code of Conduct\\]\\(${process.env.ROLLCALL_TRAINING_URL}\\)\\)$`),
    );
    await assertNoAxeViolations(page, 'the console meeting page (draft)');

    // A session, on the meeting's clock: check-ins while it is open are for it.
    await page.locator('#s-name').fill('Day 1');
    await page.getByLabel(/^Starts/).fill(hoursFromNow(-1).slice(0, 16));
    await page.getByLabel(/^Ends$/).fill(hoursFromNow(7).slice(0, 16));
    await page.getByRole('button', { name: 'Add session' }).click();
    await page.getByRole('cell', { name: 'not opened yet' }).waitFor();
    await assertNoAxeViolations(page, 'the console meeting page with a session');

    // Opening check-in shows the QR code.
    await page.getByRole('button', { name: 'Open check-in' }).click();
    const qr = page.getByRole('img', { name: 'QR code to check in to ISO/TC 37 plenary' });
    await qr.waitFor();
    assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code image loads');
    await assertNoAxeViolations(page, 'the console meeting page (open)');
    await page.getByRole('button', { name: 'Open session Day 1' }).click();
    await page.getByRole('cell', { name: 'open for check-in' }).waitFor();

    // The remote link, for the video conference's chat, with its copy button.
    const remoteLink = page.getByLabel('Remote link');
    const remoteUrl = await remoteLink.inputValue();
    const remote = (await api('GET', `/meetings/${id}/remote-link`)).json;
    assert.equal(remoteUrl, remote.url);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: BASE }).catch(() => {});
    await page.getByRole('button', { name: 'Copy the remote link' }).click();
    const said = page.locator('#remote-link-status');
    await page.waitForFunction(() => document.getElementById('remote-link-status').textContent !== '');
    const status = await said.innerText();
    if (/^Copied/.test(status)) {
      assert.equal(await page.evaluate(() => navigator.clipboard.readText()), remote.url);
    } else {
      assert.match(status, /select the link above and copy it/);
    }
    await assertNoAxeViolations(page, 'the console meeting page with the remote link copied');

    // Two attendees check in from their phones, one joins remotely; one without a phone is recorded here.
    const meeting = (await api('GET', `/meetings/${id}`)).json;
    await checkInViaApi(meeting, { name: 'Ada Lovelace', organization: 'BSI', country: 'United Kingdom (BSI)' });
    await checkInViaApi(meeting, { name: 'Émilie du Châtelet', organization: 'AFNOR', country: 'France (AFNOR)', role: 'expert' });
    const remotely = await api('POST', `/meetings/${id}/checkins`, {
      token: remote.token, name: 'Grace Hopper', organization: 'ANSI', country: 'United States (ANSI)',
      role: 'delegate', acknowledged: true, code_sha256: meeting.code_sha256,
    });
    assert.equal(remotely.status, 201, remotely.text);
    await page.getByLabel('Full name').fill('Alan Turing');
    await page.getByLabel('Organisation', { exact: true }).fill('BSI');
    await page.getByLabel(/^Country or national body/).fill('United Kingdom (BSI)');
    await page.getByLabel('The attendee has read the Code of Conduct and will uphold it.').check();
    await page.getByRole('button', { name: 'Record attendance' }).click();
    await page.getByLabel('Notes').fill('The chair presented the Code of Conduct; no questions.');
    await page.getByRole('button', { name: 'Add notes' }).click();
    assert.equal(await page.locator('dl.facts dt:text-is("Check-ins") + dd').innerText(), '4');
    assert.equal(await page.locator('#checkin-split').innerText(), '3 in the room · 1 remote');
    await assertNoAxeViolations(page, 'the console meeting page after manual entry and notes');

    // Live arrivals.
    await page.getByRole('link', { name: 'Live arrivals' }).click();
    for (const name of ['Ada Lovelace', 'Émilie du Châtelet', 'Alan Turing', 'Grace Hopper']) {
      await page.getByRole('cell', { name, exact: true }).waitFor();
    }
    assert.equal(await page.locator('#arrivals-split').innerText(), '3 in the room · 1 remote');
    await assertNoAxeViolations(page, 'live arrivals');
    // A late arrival appears by itself once a checkpoint covers it.
    await checkInViaApi(meeting, { name: 'Mary Somerville', organization: 'BSI', country: 'United Kingdom (BSI)' });
    await page.getByRole('cell', { name: 'Mary Somerville', exact: true }).waitFor({ timeout: 15_000 });
    // A wrong organisation is corrected from the arrivals list: a signed
    // amendment with its reason; the list then shows the value as corrected.
    await page.getByRole('link', { name: 'Correct… Alan Turing' }).click();
    await page.getByRole('heading', { name: 'Correct or strike a check-in', level: 1 }).waitFor();
    await assertNoAxeViolations(page, 'the correction form');
    await page.getByLabel(/^Reason/).fill('Organisation mistyped at the desk');
    await page.getByLabel('Organisation', { exact: true }).fill('The Alan Turing Institute');
    await page.getByRole('button', { name: 'Sign the amendment' }).click();
    await page.getByRole('cell', { name: 'The Alan Turing Institute (corrected)' }).waitFor({ timeout: 15_000 });
    await assertNoAxeViolations(page, 'live arrivals with a correction');
    await page.goto(`${BASE}/console/meetings/${id}`);

    // Closing seals the list.
    await page.getByRole('button', { name: 'Close the meeting' }).click();
    await page.getByText(/The meeting is closed/).waitFor();
    await assertNoAxeViolations(page, 'the console meeting page (closed)');

    // The signed list (bundle) verifies offline.
    const bundle = await download(page, page.locator(`a[href="/console/meetings/${id}/bundle.json"]`), 'list.json');
    assertVerifies(bundle.file, /^VALID bundle$/);
    const csv = await download(page, page.locator(`a[href="/console/meetings/${id}/attendance.csv"]`), 'attendance.csv');
    const rows = readFileSync(csv.file, 'utf8').trim().split('\n');
    assert.equal(rows.length, 6, `CSV: a header and five attendees, got:\n${rows.join('\n')}`);
    assert.equal(rows.filter((r) => r.includes(',remote,')).length, 1, 'one remote check-in in the CSV');

    // The printable list, as printed.
    await page.locator(`a[href="/console/meetings/${id}/list"]`).click();
    await page.getByRole('heading', { name: 'Attendance list: ISO/TC 37 plenary', level: 1 }).waitFor();
    await assertNoAxeViolations(page, 'the printable list');
    for (const name of ['Ada Lovelace', 'Émilie du Châtelet', 'Alan Turing', 'Mary Somerville', 'Grace Hopper']) {
      await page.getByRole('cell', { name }).first().waitFor();
    }
    await page.getByRole('heading', { name: 'Corrections by the secretary', level: 2 }).waitFor();
    await page.getByRole('heading', { name: 'Attendance by session', level: 2 }).waitFor();
    assert.equal(await page.locator('#sessions tfoot td').innerText(), '5', 'five attendees at Day 1');
    assert.match(await page.locator('#amendments').innerText(), /Reason: Organisation mistyped at the desk/);
    assert.equal(await page.locator('#check-ins').innerText(), '5 (4 in the room, 1 remote)');
    await page.emulateMedia({ media: 'print' });
    // The printed area of an A4 page (210 × 297 mm less 15 mm margins) at 96 dpi.
    await page.setViewportSize({ width: 680, height: 1010 });
    await screenshot(page, 'printed-list');
    await page.emulateMedia({ media: 'screen' });
    await page.setViewportSize(LAPTOP.viewport);

    // The PDF export.
    await page.goBack();
    const pdfLink = page.locator(`a[href="/console/meetings/${id}/list.pdf"]`);
    const pdf = await download(page, pdfLink, 'list.pdf');
    assert.equal(readFileSync(pdf.file).subarray(0, 5).toString('latin1'), '%PDF-', 'the download is a PDF');
    assert.match(pdf.suggested, /\.pdf$/);
    assertVerifies(pdf.file, /^VALID bundle$/);
  } finally {
    await close();
  }
});

test('secretary imports the roster, confirms a doubtful match, signs the delegations and prints who was expected but absent', async () => {
  const { context, close } = await launch(LAPTOP);
  try {
    const page = await context.newPage();
    await signIn(page);
    const created = await api('POST', '/meetings', {
      title: 'ISO/TC 37 working group 4', committee: 'ISO/TC 37/WG 4', location: 'Geneva',
      starts_at: hoursFromNow(-1), ends_at: hoursFromNow(6), timezone: 'UTC', presence: 'static',
    });
    assert.equal(created.status, 201, created.text);
    const id = created.json.id;
    const open = await api('POST', `/meetings/${id}/open`, {});
    assert.equal(open.status, 200, open.text);
    const meeting = (await api('GET', `/meetings/${id}`)).json;
    await checkInViaApi(meeting, { name: 'Ada Lovelace', organization: 'BSI', country: 'United Kingdom (BSI)', email: 'ada@example.org', role: 'head-of-delegation' });
    await checkInViaApi(meeting, { name: 'Alan Turing', organization: 'Bletchley Park', country: 'United Kingdom (BSI)' });
    await checkInViaApi(meeting, { name: 'Grace Hopper', organization: 'ANSI', country: 'United States (ANSI)' });

    // The roster, pasted from the registration system; one row is refused.
    await page.goto(`${BASE}/console/meetings/${id}`);
    await page.getByRole('link', { name: 'Roster of expected participants' }).click();
    await page.getByRole('heading', { name: 'Roster of expected participants', level: 1 }).waitFor();
    await assertNoAxeViolations(page, 'the roster page without a roster');
    await page.getByLabel(/^The roster as CSV/).fill([
      'Name,Organisation,Country or national body,Role,Email',
      'Ada Lovelace,BSI,United Kingdom (BSI),Head of delegation,ADA@example.org',
      'Alan Turing,University of Manchester,United Kingdom (BSI),delegate,',
      'Émilie du Châtelet,AFNOR,France (AFNOR),expert,',
      ',Nobody,France (AFNOR),delegate,',
    ].join('\n'));
    await page.getByRole('button', { name: 'Import the roster' }).click();
    assert.match(await page.locator('#roster-imported').innerText(), /3 expected participant\(s\) imported[\s\S]*Line 5: the name is empty/);
    assert.equal(await page.locator('#roster-counts dt:text-is("Expected, not checked in") + dd').innerText(), '2');
    await assertNoAxeViolations(page, 'the roster page with a doubtful match');

    // Alan Turing's organisation differs: the secretary confirms the match.
    await page.getByRole('button', { name: /^Same person: Alan Turing, Check-in \d+$/ }).click();
    await page.getByRole('cell', { name: /^Émilie du Châtelet, AFNOR/ }).waitFor();
    assert.equal(await page.locator('#roster-counts dt:text-is("Expected, not checked in") + dd').innerText(), '1');
    assert.equal(await page.locator('#roster-counts dt:text-is("Not on the roster") + dd').innerText(), '1');
    await assertNoAxeViolations(page, 'the roster page after a confirmed match');

    // The chair asks who is represented; a snapshot is signed into the list.
    await page.goto(`${BASE}/console/meetings/${id}`);
    await page.getByRole('link', { name: 'Delegations present' }).click();
    await page.getByRole('cell', { name: 'United Kingdom (BSI)' }).waitFor();
    await assertNoAxeViolations(page, 'the delegations page');
    await page.getByRole('button', { name: 'Sign a snapshot now' }).click();
    await page.getByRole('heading', { name: 'Delegations present', level: 1 }).waitFor();

    const closed = await api('POST', `/meetings/${id}/close`, {});
    assert.equal(closed.status, 200, closed.text);
    await page.goto(`${BASE}/console/meetings/${id}/list`);
    await page.getByRole('heading', { name: 'Expected but absent', level: 2 }).waitFor();
    assert.match(await page.locator('#expected-absent').innerText(), /secretary's record[\s\S]*Émilie du Châtelet, AFNOR, France \(AFNOR\)/);
    assert.match(await page.locator('#delegations').innerText(), /2 delegation\(s\) present: United Kingdom \(BSI\) 2/);
    await assertNoAxeViolations(page, 'the printable list with a roster');
  } finally {
    await close();
  }
});
