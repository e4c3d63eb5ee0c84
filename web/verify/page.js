// The verify page: reads a file and keys, hands them to the verifier in a
// worker, and shows its report. Nothing leaves the page (its Content
// Security Policy allows no connection at all). Everything taken from the
// file is shown with textContent, never parsed as HTML.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const data = (id) => JSON.parse($(id).textContent);
  const strings = data("strings");
  const serverKeys = data("server-keys-data");
  let lang = document.documentElement.lang in strings ? document.documentElement.lang : "en";
  const t = (key, args) => {
    let s = (strings[lang] && strings[lang][key]) || strings.en[key] || key;
    for (const [k, v] of Object.entries(args || {})) s = s.split(`{${k}}`).join(String(v));
    return s;
  };
  // A translated label for a value of the report, or the value itself.
  const known = (key, value) => ((strings[lang] && strings[lang][key]) || strings.en[key] || value);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") e.className = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };

  // Runs the verifier (the trust crate compiled to WebAssembly): receives
  // {wasm, file, keys} and answers {type: "progress", done, total}, then
  // {type: "done", json}. Its source also becomes the worker's script.
  function verifier(scope) {
    // Compiled once (on "init", as the page opens), instantiated afresh
    // for each file.
    let compiled = null;
    scope.onmessage = async (event) => {
      const { type, wasm, file, keys } = event.data;
      try {
        if (!compiled) compiled = WebAssembly.compile(wasm);
        const module = await compiled;
        if (type === "init") return;
        let last = 0;
        const instance = await WebAssembly.instantiate(module, {
          rollcall: {
            progress: (done, total) => {
              const now = Date.now();
              if (now - last > 100 || done === total) {
                last = now;
                scope.postMessage({ type: "progress", done, total });
              }
            },
          },
        });
        const x = instance.exports;
        const put = (which, bytes) => {
          const at = x.rc_input(which, bytes.length);
          new Uint8Array(x.memory.buffer, at, bytes.length).set(bytes);
        };
        put(0, new Uint8Array(file));
        put(1, new TextEncoder().encode(keys));
        x.rc_verify();
        const out = new Uint8Array(x.memory.buffer, x.rc_output_ptr(), x.rc_output_len());
        scope.postMessage({ type: "done", json: new TextDecoder().decode(out) });
      } catch (e) {
        compiled = null;
        scope.postMessage({ type: "failed", message: String(e && e.message ? e.message : e) });
      }
    };
  }

  let wasmBytes = null;
  const wasm = () => {
    if (!wasmBytes) {
      const b64 = $("wasm").textContent.trim();
      if (!b64) return null;
      const bin = atob(b64);
      wasmBytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) wasmBytes[i] = bin.charCodeAt(i);
    }
    return wasmBytes;
  };

  // The interface text, in the chosen language.
  const translate = () => {
    document.documentElement.lang = lang;
    document.title = t("verify.title");
    for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
    for (const b of document.querySelectorAll("[data-lang]")) {
      b.setAttribute("aria-pressed", String(b.dataset.lang === lang));
    }
    if (last) show(last.result, last.keysFrom);
  };

  let last = null;
  let usingServerKeys = false;

  const progress = $("progress");
  const status = (text, value, max) => {
    progress.replaceChildren(text);
    if (max) {
      const bar = el("progress", { value: String(value), max: String(max) });
      bar.setAttribute("aria-label", t("verify.progress.label"));
      progress.append(" ", bar);
    }
  };

  // The verifier's worker, made from the page's own text as the page
  // opens (so the WebAssembly is compiled while the reader picks a file),
  // or null where a worker cannot be made.
  let worker = null;
  const startWorker = () => {
    const bytes = wasm();
    if (!bytes) return;
    try {
      const src = new Blob([`"use strict";(${verifier})(self);`], { type: "text/javascript" });
      worker = new Worker(URL.createObjectURL(src));
      worker.postMessage({ type: "init", wasm: bytes });
    } catch (e) {
      worker = null;
    }
  };

  // Runs the verifier in the worker, or on the main thread without one.
  const run = (file, keys) =>
    new Promise((resolve, reject) => {
      const bytes = wasm();
      if (!bytes) {
        reject(new Error(t("verify.error.no_wasm")));
        return;
      }
      const on = (msg) => {
        if (msg.type === "progress") {
          status(t("verify.progress", { done: msg.done, total: msg.total }), msg.done, msg.total);
        } else if (msg.type === "done") {
          resolve(JSON.parse(msg.json));
        } else if (msg.type === "failed") {
          reject(new Error(msg.message));
        }
      };
      if (worker) {
        worker.onmessage = (e) => on(e.data);
        worker.onerror = (e) => {
          e.preventDefault();
          worker.terminate();
          worker = null;
          startWorker();
          reject(new Error(e.message || "worker"));
        };
        // The file is handed over, not copied.
        worker.postMessage({ type: "verify", wasm: bytes, file, keys }, [file]);
      } else {
        const scope = { postMessage: on };
        verifier(scope);
        scope.onmessage({ data: { type: "verify", wasm: bytes, file, keys } });
      }
    });

  // How many attendees a report shows before "Show all".
  const SHOWN_ROWS = 500;

  const rows = (pairs) => {
    const dl = el("dl");
    for (const [k, v] of pairs) {
      if (v === null || v === undefined || v === "") continue;
      dl.append(el("dt", {}, t(k)), el("dd", {}, v));
    }
    return dl;
  };

  const show = (result, keysFrom) => {
    const out = $("result");
    out.replaceChildren();
    out.hidden = false;
    if (result.outcome !== "report") {
      out.className = "verdict-invalid";
      out.append(
        el("h2", { id: "verdict", tabindex: "-1" }, t("verify.verdict.unreadable")),
        el("p", { class: "problem" }, result.message),
      );
      return;
    }
    const r = result.report;
    const verdict = r.valid ? "valid" : r.pending ? "pending" : "invalid";
    out.className = `verdict-${verdict}`;
    out.dataset.verdict = verdict;
    out.append(el("h2", { id: "verdict", tabindex: "-1" }, t(`verify.verdict.${verdict}.${r.kind}`)));
    if (r.pending) out.append(el("p", {}, t("verify.pending")));
    if (result.from_pdf) out.append(el("p", {}, t("verify.from_pdf", { name: result.from_pdf })));
    if (keysFrom === "server") out.append(el("p", { class: "warning" }, t("verify.keys.server_warning")));
    if (r.warnings.length) {
      out.append(el("h3", {}, t("verify.warnings")));
      out.append(el("ul", { class: "warnings" }, ...r.warnings.map((w) => el("li", {}, w))));
    }
    if (r.failures.length) {
      out.append(el("h3", {}, t("verify.problems", { n: r.failures.length })));
      out.append(
        el(
          "ol",
          { class: "problems" },
          ...r.failures.map((f) => el("li", {}, el("code", {}, f.location), " ", f.reason)),
        ),
      );
    }
    const m = r.meeting;
    if (m) {
      out.append(el("h3", {}, t("verify.meeting")));
      out.append(
        rows([
          ["verify.meeting.title", `${m.title} (${m.committee})`],
          ["verify.meeting.location", m.location],
          ["verify.meeting.id", m.id],
          ["verify.meeting.scheduled", `${m.starts_at} → ${m.ends_at} (${m.timezone})`],
          ["verify.meeting.closed", r.closed_at],
        ]),
      );
    }
    for (const c of r.codes) {
      out.append(el("h3", {}, t("verify.code")));
      out.append(
        rows([
          ["verify.code.title", `${c.title} [${c.language || "?"}]`],
          ["verify.code.digest", `sha256:${c.sha256}`],
          ["verify.code.text", t(c.text_checked ? "verify.code.text_checked" : "verify.code.text_absent")],
        ]),
      );
    }
    const count = (f) => r.attendees.filter(f).length;
    out.append(el("h3", {}, t("verify.counts")));
    out.append(
      rows([
        ["verify.counts.check_ins", r.attestations],
        ["verify.counts.room", r.room],
        ["verify.counts.remote", r.remote],
        ["verify.counts.entries", r.entries],
        ["verify.counts.withheld", count((a) => a.withheld.length > 0)],
        ["verify.counts.erased", count((a) => a.erased.length > 0)],
        ["verify.counts.outside", count((a) => a.timing !== "on time" && !a.struck)],
        ["verify.counts.struck", r.amendments ? count((a) => a.struck) : null],
      ]),
    );
    if (r.rosters && r.rosters.length) {
      // What the log commits to of the roster (never its rows), and what
      // the close counted against it: the secretary's record.
      const latest = r.rosters[r.rosters.length - 1];
      const c = r.roster_counts;
      out.append(el("h3", {}, t("verify.roster")));
      out.append(
        rows([
          ["verify.roster.committed", t("verify.roster.committed_value", { size: latest.size, sha256: latest.sha256, at: latest.recorded_at })],
          ["verify.roster.expected", c ? c.expected : null],
          ["verify.roster.present", c ? t("verify.roster.present_value", { room: c.present_room, remote: c.present_remote }) : null],
          ["verify.roster.absent", c ? c.absent : null],
          ["verify.roster.walk_ins", c ? c.walk_ins : null],
          ["verify.roster.repeats", c && c.repeats ? c.repeats : null],
        ]),
      );
      out.append(el("p", {}, t("verify.roster.note")));
    }
    if (r.delegations && r.delegations.length) {
      out.append(el("h3", {}, t("verify.delegations")));
      out.append(
        el(
          "ul",
          { class: "delegations" },
          ...r.delegations.map((d) =>
            el(
              "li",
              {},
              t("verify.delegations.line", {
                at: d.recorded_at,
                by: d.recorded_by,
                n: d.delegations.length,
                groups: d.delegations
                  .map((g) => `${g.country} (${g.present}${g.heads.length ? `; ${t("verify.delegations.heads")} ${g.heads.join(", ")}` : ""})`)
                  .join(" · "),
              }),
            ),
          ),
        ),
      );
    }
    if (r.sessions && r.sessions.length) {
      out.append(el("h3", {}, t("verify.sessions")));
      const head = el(
        "tr",
        {},
        ...["verify.col.index", "verify.session.name", "verify.session.scheduled", "verify.session.opened", "verify.session.closed", "verify.counts.check_ins"].map(
          (k) => el("th", { scope: "col" }, t(k)),
        ),
      );
      const body = el(
        "tbody",
        {},
        ...r.sessions.map((s) =>
          el(
            "tr",
            {},
            el("td", {}, s.number),
            el("td", {}, s.name),
            el("td", {}, `${s.starts_at} → ${s.ends_at}`),
            el("td", {}, `${s.opened_at} (${s.opened_by})`),
            el("td", {}, s.closed_at || ""),
            el("td", {}, s.check_ins),
          ),
        ),
      );
      out.append(
        el(
          "div",
          { class: "scroll", tabindex: "0", role: "region", "aria-label": t("verify.sessions") },
          el("table", {}, el("thead", {}, head), body),
        ),
      );
    }
    if (r.amendments && r.amendments.length) {
      out.append(el("h3", {}, t("verify.amendments")));
      out.append(
        el(
          "ol",
          { class: "amendments" },
          ...r.amendments.map((m) => {
            const changes = Object.entries(m.fields).map(([f, v]) => `${t(`verify.col.${f}`)}: ${v}`);
            if (m.role) changes.push(`${t("verify.col.role")}: ${known(`role.${m.role}`, m.role)}`);
            for (const f of m.withheld) changes.push(`${t(`verify.col.${f}`)}: ${t("verify.withheld")}`);
            for (const f of m.erased) changes.push(`${t(`verify.col.${f}`)}: ${t("verify.erased")}`);
            return el(
              "li",
              {},
              t(m.action === "strike" ? "verify.amendment.strike" : "verify.amendment.correct", {
                index: m.amends,
                id: m.amends_id,
              }),
              changes.length ? ` ${changes.join("; ")}. ` : " ",
              t("verify.amendment.reason", { reason: m.reason, by: m.recorded_by, at: m.recorded_at }),
            );
          }),
        ),
      );
    }
    if (r.checkpoint) {
      const c = r.checkpoint;
      out.append(el("h3", {}, t("verify.checkpoint")));
      out.append(
        rows([
          ["verify.checkpoint.origin", c.origin],
          ["verify.checkpoint.size", c.size],
          ["verify.checkpoint.root", c.root],
          ["verify.checkpoint.signer", c.signer],
          ["verify.checkpoint.earlier", c.earlier],
        ]),
      );
    }
    out.append(el("h3", {}, t("verify.signers")));
    out.append(el("ul", {}, ...r.signers.map((s) => el("li", {}, el("code", {}, s)))));
    if (r.notes.length) {
      out.append(el("h3", {}, t("verify.notes")));
      for (const n of r.notes) {
        out.append(el("blockquote", {}, el("p", {}, n.text), el("footer", {}, `${n.recorded_by}, ${n.recorded_at}`)));
      }
    }
    if (r.attendees.length) {
      const fields = ["name", "organization", "country", "email"];
      const sessions = r.sessions && r.sessions.length > 0;
      const head = el(
        "tr",
        {},
        ...[
          "verify.col.index",
          ...fields.map((f) => `verify.col.${f}`),
          "verify.col.role",
          "verify.col.presence",
          ...(sessions ? ["verify.col.session"] : []),
          "verify.col.time",
          "verify.col.timing",
        ].map((k) => el("th", { scope: "col" }, t(k))),
      );
      const body = el("tbody");
      // A value an amendment corrected is shown as corrected, marked so.
      const corrected = (v) => `${v} (${t("verify.corrected")})`;
      const row = (a) => {
        const fix = a.corrected || {};
        const cell = (f) =>
          fix[f] !== undefined
            ? corrected(fix[f])
            : a.fields[f] !== undefined
              ? a.fields[f]
              : a.erased.includes(f)
                ? t("verify.erased")
                : a.withheld.includes(f)
                  ? t("verify.withheld")
                  : "";
        const role = fix.role !== undefined ? corrected(known(`role.${fix.role}`, fix.role)) : known(`role.${a.role}`, a.role);
        return el(
          "tr",
          a.struck ? { class: "struck" } : {},
          el("td", {}, a.struck ? `${a.index} (${t("verify.struck")})` : a.index),
          ...fields.map((f) => el("td", {}, cell(f))),
          el("td", {}, role),
          el("td", {}, known(`presence.${a.presence.replace(/ /g, "_")}`, a.presence)),
          ...(sessions ? [el("td", {}, a.session === undefined ? "" : a.session)] : []),
          el("td", {}, a.checked_in_at),
          el("td", {}, known(`verify.timing.${a.timing.replace(/ /g, "_")}`, a.timing)),
        );
      };
      // A long list shows its first rows at once, the rest on request.
      const first = r.attendees.slice(0, SHOWN_ROWS);
      body.append(...first.map(row));
      out.append(
        el("h3", {}, t("verify.attendees")),
        el(
          "div",
          { class: "scroll", tabindex: "0", role: "region", "aria-label": t("verify.attendees") },
          el("table", {}, el("thead", {}, head), body),
        ),
      );
      if (r.attendees.length > SHOWN_ROWS) {
        const more = el("button", { type: "button", id: "show-all" }, t("verify.show_all", { n: r.attendees.length }));
        more.addEventListener("click", () => {
          body.append(...r.attendees.slice(SHOWN_ROWS).map(row));
          more.remove();
        });
        out.append(el("p", {}, t("verify.shown_rows", { shown: SHOWN_ROWS, n: r.attendees.length }), " ", more));
      }
    }
    // The full report, written out when opened.
    const pre = el("pre", { id: "report-json" });
    const raw = el("details", {}, el("summary", {}, t("verify.json")), pre);
    raw.addEventListener("toggle", () => {
      if (raw.open && !pre.textContent) pre.textContent = JSON.stringify(r, null, 2);
    });
    out.append(raw);
  };

  const readKeys = () => $("keys").value;

  $("form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = $("file").files[0];
    if (!f) {
      status(t("verify.error.no_file"));
      $("file").focus();
      return;
    }
    const keysFrom = usingServerKeys && readKeys() === serverKeys ? "server" : "auditor";
    last = null;
    $("result").hidden = true;
    $("result").replaceChildren();
    $("go").disabled = true;
    status(t("verify.reading", { name: f.name }));
    try {
      const result = await run(await f.arrayBuffer(), readKeys());
      last = { result, keysFrom };
      status(t("verify.done"));
      show(result, keysFrom);
      $("verdict").focus();
    } catch (err) {
      status(t("verify.error.failed", { message: err.message }));
    } finally {
      $("go").disabled = false;
    }
  });

  $("keyfile").addEventListener("change", async () => {
    const f = $("keyfile").files[0];
    if (f) $("keys").value = await f.text();
  });

  const drop = $("drop");
  for (const ev of ["dragenter", "dragover"]) {
    drop.addEventListener(ev, (e) => {
      e.preventDefault();
      drop.classList.add("over");
    });
  }
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer.files.length) {
      $("file").files = e.dataTransfer.files;
      status(t("verify.chosen", { name: e.dataTransfer.files[0].name }));
    }
  });

  if (serverKeys) {
    $("server-keys").hidden = false;
    $("use-server-keys").addEventListener("click", () => {
      $("keys").value = serverKeys;
      usingServerKeys = true;
    });
  }

  for (const b of document.querySelectorAll("[data-lang]")) {
    b.addEventListener("click", () => {
      lang = b.dataset.lang;
      translate();
    });
  }
  translate();
  if (wasm()) startWorker();
  else status(t("verify.error.no_wasm"));
})();
