/**
 * The status page: one self-contained document (no CDN, no external file). Its script polls
 * `/__warden/status` every 2 s and renders with DOM nodes and `textContent` only, so key aliases, tags and
 * reasons (all user-controlled) are always shown as text. The inline script and style carry the nonce the
 * Content-Security-Policy header allows.
 */

export const POLL_INTERVAL_MS = 2_000;

export function renderStatusPage(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hwc-warden · local</title>
<link rel="icon" href="data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E%3Cpath d='M8 1l6 2.5v4C14 11 11.5 14 8 15 4.5 14 2 11 2 7.5v-4z' fill='%232563eb'/%3E%3C/svg%3E">
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header class="top">
  <div class="brand">
    <svg class="mark" viewBox="0 0 16 16" aria-hidden="true"><path d="M8 1l6 2.5v4C14 11 11.5 14 8 15 4.5 14 2 11 2 7.5v-4z"/></svg>
    <div>
      <div class="title">hwc-warden <span class="subtle">local</span></div>
      <div class="meta" id="meta">connecting…</div>
    </div>
  </div>
  <div class="live" id="live"><span class="dot"></span><span id="live-text">connecting</span></div>
</header>
<main>
  <div id="notices"></div>
  <section class="cards" id="summary"></section>
  <section>
    <h2>Functions <span class="hint">as serverless.yml declares them</span></h2>
    <div class="functions" id="functions"></div>
  </section>
  <section>
    <h2>Recent invocations <span class="hint" id="inv-hint"></span></h2>
    <div class="panel" id="invocations"></div>
  </section>
  <section>
    <h2>KMS keys <span class="hint" id="keys-hint"></span></h2>
    <div class="panel table-wrap"><table id="keys" class="grid keys"></table></div>
  </section>
  <div class="two">
    <section>
      <h2>CSMS events <span class="hint">orphans are events no secret references</span></h2>
      <div class="panel table-wrap"><table id="events" class="grid events"></table></div>
    </section>
    <section>
      <h2>Secrets</h2>
      <div class="panel table-wrap"><table id="secrets" class="grid secrets"></table></div>
    </section>
  </div>
  <section>
    <h2>SMN notifications <span class="hint">what the functions published, newest first</span></h2>
    <div class="panel table-wrap"><table id="notifications" class="grid notifications"></table></div>
  </section>
  <section>
    <h2>Servers and backups <span class="hint">restorability from the last check</span></h2>
    <div class="panel table-wrap"><table id="servers" class="grid servers"></table></div>
  </section>
</main>
<footer>Refreshes every ${POLL_INTERVAL_MS / 1000} s · data: <a href="/__warden/status">/__warden/status</a></footer>
<noscript><p class="noscript">This page needs JavaScript to show the live status; the data is at /__warden/status.</p></noscript>
<script nonce="${nonce}">${SCRIPT}</script>
</body>
</html>
`;
}

const STYLE = `
:root {
  --bg: #f5f7fb; --panel: #ffffff; --text: #172033; --muted: #5b6476; --faint: #8a93a5; --line: #e3e8f0;
  --head: #f8fafc; --accent: #2563eb; --shadow: 0 1px 2px rgba(16,24,40,.05), 0 1px 3px rgba(16,24,40,.06);
  --green: #047857; --green-bg: #d1fae5; --red: #b91c1c; --red-bg: #fee2e2; --amber: #b45309; --amber-bg: #fef3c7;
  --blue: #1d4ed8; --blue-bg: #dbeafe; --grey: #475569; --grey-bg: #e2e8f0; --orange: #c2410c; --orange-bg: #ffedd5;
  --violet: #6d28d9; --violet-bg: #ede9fe; --teal: #0f766e; --teal-bg: #ccfbf1;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0d1117; --panel: #161b22; --text: #e6edf3; --muted: #9aa4b2; --faint: #6e7681; --line: #2a313c; --head: #1c222b;
    --accent: #58a6ff; --shadow: none;
    --green: #6ee7b7; --green-bg: #064e3b; --red: #fca5a5; --red-bg: #5f1d1d; --amber: #fcd34d; --amber-bg: #5b3b07;
    --blue: #93c5fd; --blue-bg: #1e3a8a; --grey: #cbd5e1; --grey-bg: #334155; --orange: #fdba74; --orange-bg: #6a2b0b;
    --violet: #c4b5fd; --violet-bg: #4c1d95; --teal: #5eead4; --teal-bg: #134e4a;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body {
  margin: 0; background: var(--bg); color: var(--text);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", "DejaVu Sans", Arial, sans-serif;
}
a { color: var(--accent); }
.top {
  position: sticky; top: 0; z-index: 2; display: flex; align-items: center; justify-content: space-between; gap: 16px;
  padding: 12px 28px; background: var(--panel); border-bottom: 1px solid var(--line); box-shadow: var(--shadow);
}
.brand { display: flex; align-items: center; gap: 12px; min-width: 0; }
.mark { width: 30px; height: 30px; fill: var(--accent); flex: none; }
.title { font-size: 17px; font-weight: 650; letter-spacing: -.01em; }
.subtle { font-weight: 500; color: var(--faint); }
.meta { color: var(--muted); font-size: 12.5px; overflow-wrap: anywhere; }
.live { display: flex; align-items: center; gap: 8px; font-size: 12.5px; color: var(--muted); white-space: nowrap; }
.dot { width: 9px; height: 9px; border-radius: 50%; background: var(--faint); }
.live.ok .dot { background: #10b981; box-shadow: 0 0 0 0 rgba(16,185,129,.6); animation: pulse 2s infinite; }
.live.down .dot { background: #ef4444; }
.live.down { color: var(--red); }
@keyframes pulse { 0% { box-shadow: 0 0 0 0 rgba(16,185,129,.5); } 70% { box-shadow: 0 0 0 7px rgba(16,185,129,0); } 100% { box-shadow: 0 0 0 0 rgba(16,185,129,0); } }
main { max-width: 1440px; margin: 0 auto; padding: 20px 28px 8px; }
section { margin: 0 0 26px; min-width: 0; }
h2 { font-size: 15px; font-weight: 650; margin: 0 0 10px; display: flex; align-items: baseline; gap: 10px; flex-wrap: wrap; }
.hint { font-size: 12.5px; font-weight: 400; color: var(--faint); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; box-shadow: var(--shadow); }
.two { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 0 20px; }
@media (max-width: 1000px) { .two { grid-template-columns: minmax(0, 1fr); } .top, main { padding-left: 14px; padding-right: 14px; } }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap: 14px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 12px 14px; box-shadow: var(--shadow); min-width: 0; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; font-weight: 600; }
.card .value { font-size: 26px; font-weight: 650; margin: 2px 0 4px; letter-spacing: -.02em; }
.card .detail { display: flex; flex-wrap: wrap; gap: 4px; }
.functions { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 14px; }
.fn { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px; box-shadow: var(--shadow); min-width: 0; display: flex; flex-direction: column; gap: 8px; }
.fn-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
.fn-name { font-family: var(--mono); font-weight: 650; font-size: 14px; overflow-wrap: anywhere; }
.fn-desc { color: var(--muted); font-size: 13px; }
.triggers { display: flex; flex-direction: column; gap: 5px; }
.trigger { display: flex; align-items: baseline; gap: 8px; font-size: 12.5px; min-width: 0; }
.trigger .what { font-family: var(--mono); overflow-wrap: anywhere; min-width: 0; }
.trigger .when { color: var(--faint); white-space: nowrap; margin-left: auto; }
.curl { font-size: 11.5px; min-width: 0; overflow-wrap: anywhere; } .curl-hint { color: var(--muted); margin-bottom: 3px; }
.curl code { display: block; font-family: var(--mono); overflow-wrap: anywhere; user-select: all; color: var(--muted); }
.tt { flex: none; font-size: 10.5px; font-weight: 700; letter-spacing: .04em; border-radius: 4px; padding: 1px 6px; min-width: 46px; text-align: center; }
.tt.apig { color: var(--violet); background: var(--violet-bg); }
.tt.timer { color: var(--teal); background: var(--teal-bg); }
.tt.cts { color: var(--orange); background: var(--orange-bg); }
.pill { display: inline-flex; align-items: center; gap: 5px; font-size: 11.5px; font-weight: 600; border-radius: 999px; padding: 1px 9px; white-space: nowrap; line-height: 1.6; }
.pill::before { content: ""; width: 6px; height: 6px; border-radius: 50%; background: currentColor; opacity: .85; }
.pill.plain::before { display: none; }
.green { color: var(--green); background: var(--green-bg); }
.red { color: var(--red); background: var(--red-bg); }
.amber { color: var(--amber); background: var(--amber-bg); }
.blue { color: var(--blue); background: var(--blue-bg); }
.grey { color: var(--grey); background: var(--grey-bg); }
.orange { color: var(--orange); background: var(--orange-bg); }
.running::before { animation: blink 1s infinite; }
@keyframes blink { 50% { opacity: .2; } }
.inv { display: grid; grid-template-columns: 76px minmax(150px, 190px) 64px minmax(0, 1fr) 128px 70px; gap: 10px; align-items: center; padding: 9px 14px; border-top: 1px solid var(--line); }
.inv:first-child { border-top: none; }
.inv .time { font-family: var(--mono); font-size: 12.5px; color: var(--muted); }
.inv .fnn { font-family: var(--mono); font-weight: 600; font-size: 12.5px; overflow-wrap: anywhere; }
.inv .src { color: var(--muted); font-size: 12.5px; overflow-wrap: anywhere; min-width: 0; }
.inv .dur { text-align: right; font-family: var(--mono); font-size: 12px; color: var(--faint); }
.actions { grid-column: 2 / -1; display: flex; flex-direction: column; gap: 3px; margin: 2px 0 2px; }
.action { display: grid; grid-template-columns: 78px 128px minmax(0, 290px) minmax(0, 1fr); gap: 10px; align-items: baseline; font-size: 12.5px; }
.action .kind { font-weight: 600; overflow-wrap: anywhere; }
.action .target { font-family: var(--mono); font-size: 12px; overflow-wrap: anywhere; color: var(--text); }
.action .reason { color: var(--muted); overflow-wrap: anywhere; }
.more { font-size: 12.5px; color: var(--accent); cursor: pointer; background: none; border: none; padding: 0; text-align: left; font: inherit; }
.note { grid-column: 2 / -1; font-size: 12.5px; color: var(--muted); overflow-wrap: anywhere; }
.empty { padding: 18px; color: var(--faint); text-align: center; }
.table-wrap { overflow-x: auto; }
table.grid { width: 100%; border-collapse: collapse; table-layout: fixed; }
.grid th { text-align: left; font-size: 11.5px; font-weight: 650; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); background: var(--head); padding: 8px 12px; border-bottom: 1px solid var(--line); }
.grid th:first-child { border-top-left-radius: 10px; } .grid th:last-child { border-top-right-radius: 10px; }
.grid td { padding: 8px 12px; border-top: 1px solid var(--line); vertical-align: top; overflow-wrap: anywhere; font-size: 13px; }
.grid tr:first-child td { border-top: none; }
.grid tbody tr:hover td { background: var(--head); }
.keys { min-width: 980px; } .servers { min-width: 860px; } .events { min-width: 560px; } .secrets { min-width: 380px; }
.mono { font-family: var(--mono); font-size: 12px; }
.id { font-family: var(--mono); font-size: 11.5px; color: var(--faint); display: block; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.strong { font-weight: 600; }
.small { font-size: 12px; color: var(--muted); }
.tags { display: flex; flex-wrap: wrap; gap: 4px; }
.tag { display: inline-flex; max-width: 100%; font-family: var(--mono); font-size: 11.5px; border: 1px solid var(--line); border-radius: 5px; overflow: hidden; }
.tag .k { background: var(--head); color: var(--muted); padding: 0 5px; overflow-wrap: anywhere; }
.tag .v { padding: 0 5px; overflow-wrap: anywhere; }
.tag.fresh { border-color: var(--green); } .tag.fresh .k { color: var(--green); }
.notice { background: #fff4d6; border: 1px solid #e8c56a; border-radius: 6px; padding: 8px 12px; margin-bottom: 10px; font-weight: 600; }
.msg { white-space: pre-wrap; margin: 0; max-height: 8em; overflow: auto; }
.badge { font-size: 10.5px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); border: 1px solid var(--line); border-radius: 4px; padding: 0 5px; margin-left: 6px; }
.last { display: flex; flex-direction: column; gap: 4px; align-items: flex-start; min-width: 0; }
.act { display: flex; flex-wrap: wrap; align-items: center; gap: 2px 6px; min-width: 0; }
.act .reason { flex-basis: 100%; }
.reason { overflow-wrap: anywhere; }
.by { font-size: 11.5px; color: var(--faint); }
.action .target .label { display: block; font-family: var(--mono); font-weight: 600; font-size: 12px; }
.action .target .id { font-size: 11px; }
@media (max-width: 1000px) {
  .inv { grid-template-columns: 64px minmax(0, 1fr) auto auto auto; gap: 6px 10px; }
  .inv .src { order: 1; grid-column: 2 / -1; }
  .inv .note, .inv .actions { order: 2; }
  .action { grid-template-columns: 78px minmax(0, 1fr) minmax(0, 1.4fr); gap: 2px 10px; }
  .action .reason { grid-column: 2 / -1; }
}
footer { text-align: center; color: var(--faint); font-size: 12px; padding: 4px 0 26px; }
.noscript { text-align: center; color: var(--red); }
`;

// Plain ES2017, no template literals (this file embeds it in one), no innerHTML: text goes through textContent.
const SCRIPT = `
(function () {
  'use strict';
  var POLL = ${POLL_INTERVAL_MS};
  // Lookups keyed by anything the cloud names (targets, states, tag keys) go through own(), and maps start
  // with no prototype: a resource called "__proto__" or "constructor" is just a name.
  var open = Object.create(null);
  function own(map, key) { return Object.prototype.hasOwnProperty.call(map, key) ? map[key] : undefined; }
  // Control characters and bidi marks are shown as \\uXXXX, as in the live log: text cannot reorder or hide text.
  var UNSAFE = /[\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028-\\u202e\\u2066-\\u2069]/g;
  function visible(text) { return text.replace(UNSAFE, function (c) { return '\\\\u' + ('000' + c.charCodeAt(0).toString(16)).slice(-4); }); }
  var refreshes = 0;

  function h(tag, cls, children, title) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (title) el.title = title;
    append(el, children);
    return el;
  }
  function append(el, children) {
    if (children === undefined || children === null || children === false) return;
    if (Array.isArray(children)) { children.forEach(function (c) { append(el, c); }); return; }
    el.appendChild(children instanceof Node ? children : document.createTextNode(visible(String(children))));
  }
  function pill(text, colour, extra) { return h('span', 'pill ' + colour + (extra ? ' ' + extra : ''), text); }

  var STATUS = { applied: 'green', planned: 'blue', skipped: 'grey', deferred: 'amber', failed: 'red' };
  var OUTCOME = { ok: 'green', failed: 'red', error: 'red', timeout: 'red', rejected: 'orange', ignored: 'grey', running: 'blue' };
  var KEY_STATE = { '2': 'green', '3': 'grey', '4': 'red', '5': 'amber', '1': 'amber' };

  function pad(n) { return n < 10 ? '0' + n : String(n); }
  function clock(iso) { var d = new Date(iso); return pad(d.getHours()) + ':' + pad(d.getMinutes()) + ':' + pad(d.getSeconds()); }
  function ago(ms) {
    var s = Math.round((Date.now() - ms) / 1000), future = s < 0; s = Math.abs(s);
    var text = s < 60 ? s + ' s' : s < 3600 ? Math.round(s / 60) + ' min' : s < 172800 ? Math.round(s / 3600) + ' h' : Math.round(s / 86400) + ' days';
    return future ? 'in ' + text : text + ' ago';
  }
  function day(ms) { var d = new Date(ms); return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()); }
  /** "restorable: backup …" → "restorable"; long or absent prefixes fall back to the status. */
  function verdict(action) {
    var reason = action.reason || '';
    var i = reason.indexOf(':');
    return i > 0 && i <= 24 ? reason.slice(0, i) : action.status;
  }
  /** What the latest run acting on a resource did to it. */
  function history(w) {
    if (!w) return h('span', 'small', '—');
    return h('div', 'last', [
      w.actions.map(function (a) {
        return h('div', 'act', [pill(a.status, own(STATUS, a.status) || 'grey'), h('span', 'strong', a.kind), a.reason ? h('div', 'small reason', a.reason) : null]);
      }),
      h('span', 'by', w.function + ' · ' + clock(w.at)),
    ]);
  }
  /** Tag keys a run just set: "k=v" pairs in the reasons of its applied tag actions. */
  function freshTags(w) {
    var fresh = Object.create(null);
    if (!w) return fresh;
    w.actions.forEach(function (a) {
      if (a.status !== 'applied' || a.kind.indexOf('tag') < 0) return;
      (a.reason || '').split(/[ ,;]+/).forEach(function (p) { var i = p.indexOf('='); if (i > 0) fresh[p.slice(0, i)] = true; });
    });
    return fresh;
  }
  function table(el, heads, widths, rows, emptyText) {
    var colgroup = h('colgroup', null, widths.map(function (w) { var c = document.createElement('col'); if (w) c.style.width = w; return c; }));
    var thead = h('thead', null, h('tr', null, heads.map(function (t) { return h('th', null, t); })));
    var tbody = h('tbody', null, rows.length ? rows : h('tr', null, (function () { var td = h('td', 'empty', emptyText); td.colSpan = heads.length; return td; })()));
    el.replaceChildren(colgroup, thead, tbody);
  }
  function tagList(tags, fresh) {
    if (!tags.length) return h('span', 'small', 'no tags');
    return h('div', 'tags', tags.map(function (t) {
      return h('span', 'tag' + (own(fresh, t[0]) ? ' fresh' : ''), [h('span', 'k', t[0]), h('span', 'v', t[1] === '' ? '""' : t[1])]);
    }));
  }

  function renderSummary(s) {
    var inv = s.invocations, failed = inv.filter(function (r) { return ['failed', 'error', 'timeout'].indexOf(r.outcome) >= 0; }).length;
    var rejected = inv.filter(function (r) { return r.outcome === 'rejected'; }).length, runs = inv.length - rejected;
    var byState = Object.create(null);
    s.keys.forEach(function (k) { byState[k.state] = byState[k.state] || { label: k.stateLabel, n: 0 }; byState[k.state].n++; });
    var orphans = s.events.filter(function (e) { return !e.referencedBy.length; }).length;
    var checked = { restorable: 0, problem: 0 };
    s.servers.forEach(function (v) { var a = v.warden && v.warden.actions[0]; if (a) { if (a.status === 'applied') checked.restorable++; else checked.problem++; } });
    function card(label, value, details) { return h('div', 'card', [h('div', 'label', label), h('div', 'value', value), h('div', 'detail', details)]); }
    document.getElementById('summary').replaceChildren(
      card('Functions', s.functions.length, [pill(s.functions.filter(function (f) { return f.running; }).length + ' running', 'blue')]),
      card('Invocations', runs, [pill(runs - failed + ' fine', 'green'), failed ? pill(failed + ' failed', 'red') : null, rejected ? pill(rejected + ' requests rejected', 'orange') : null]),
      card('KMS keys', s.keyCount, Object.keys(byState).sort().map(function (code) {
        return pill(byState[code].n + ' ' + byState[code].label, own(KEY_STATE, code) || 'grey');
      })),
      card('CSMS events', s.events.length, [pill(s.events.length - orphans + ' referenced', 'green'), orphans ? pill(orphans + ' orphaned', 'amber') : null]),
      card('Servers', s.servers.length, [checked.restorable ? pill(checked.restorable + ' restorable', 'green') : null, checked.problem ? pill(checked.problem + ' need attention', 'red') : null, !checked.restorable && !checked.problem ? pill('not checked yet', 'grey') : null])
    );
  }

  function renderFunctions(s) {
    document.getElementById('functions').replaceChildren.apply(document.getElementById('functions'), s.functions.map(function (f) {
      var state = f.running ? pill('running', 'blue', 'running') : f.lastRun ? pill(f.lastRun.outcome, own(OUTCOME, f.lastRun.outcome) || 'grey') : pill('idle', 'grey');
      if (f.rejectedRequests) state = h('span', null, [state, h('span', 'badge', f.rejectedRequests + ' rejected')]);
      return h('div', 'fn', [
        h('div', 'fn-head', [h('span', 'fn-name', f.name), state]),
        f.description ? h('div', 'fn-desc', f.description) : null,
        h('div', 'triggers', f.triggers.map(function (t) {
          return h('div', 'trigger', [
            h('span', 'tt ' + t.type.toLowerCase(), t.type),
            h('span', 'what', t.summary, t.name),
            t.nextAt ? h('span', 'when', 'next ' + ago(Date.parse(t.nextAt))) : null,
          ]);
        })),
        f.webhook ? h('div', 'curl', [h('div', 'curl-hint', 'webhook, signed with $' + f.webhook.secretVariable + ' (printed at start):'), h('code', null, f.webhook.curl)]) : null,
      ]);
    }));
  }

  function renderInvocations(s) {
    var el = document.getElementById('invocations');
    document.getElementById('inv-hint').textContent = s.invocations.length ? 'newest first' : '';
    if (!s.invocations.length) { el.replaceChildren(h('div', 'empty', 'No invocations yet.')); return; }
    el.replaceChildren.apply(el, s.invocations.map(function (r) {
      var counts = r.counts ? Object.keys(r.counts).filter(function (k) { return r.counts[k] > 0; }).map(function (k) { return r.counts[k] + ' ' + k; }).join(' · ') : '';
      var shown = open[r.id] ? r.actions : r.actions.slice(0, 5);
      var rows = [
        h('span', 'time', clock(r.started), r.started),
        h('span', 'fnn', r.function),
        h('span', 'tt ' + r.trigger, r.trigger.toUpperCase()),
        h('span', 'src', [r.source, counts ? h('span', null, ' — ' + counts) : null, r.dryRun ? h('span', 'badge', 'dry run') : null]),
        h('span', null, pill(r.outcome + (r.statusCode ? ' ' + r.statusCode : ''), own(OUTCOME, r.outcome) || 'grey', r.outcome === 'running' ? 'running' : '')),
        h('span', 'dur', r.durationMs === undefined ? '' : r.durationMs + ' ms'),
      ];
      if (r.note) rows.push(h('div', 'note', r.note));
      if (r.actions.length) {
        var list = h('div', 'actions', shown.map(function (a) {
          var label = own(s.labels, a.target);
          var target = label ? h('span', 'target', [h('span', 'label', label), h('span', 'id', a.target, a.target)]) : h('span', 'target', a.target);
          return h('div', 'action', [h('span', null, pill(a.status, own(STATUS, a.status) || 'grey')), h('span', 'kind', a.kind), target, h('span', 'reason', a.reason || '')]);
        }));
        if (r.actions.length > shown.length) {
          var more = h('button', 'more', 'show ' + (r.actions.length - shown.length) + ' more actions');
          more.addEventListener('click', function () { open[r.id] = true; render(last); });
          list.appendChild(more);
        }
        rows.push(list);
      }
      return h('div', 'inv', rows);
    }));
  }

  function renderKeys(s) {
    var shown = s.keyCount > s.keys.length ? 'the newest ' + s.keys.length + ' of ' + s.keyCount + ' keys' : s.keyCount + ' keys, newest first';
    document.getElementById('keys-hint').textContent = shown + ' · tags outlined in green were set by a guardrail';
    table(document.getElementById('keys'), ['Alias', 'State', 'Tags', 'Used by', 'Last warden action'], ['22%', '13%', '30%', '12%', '23%'], s.keys.map(function (k) {
      return h('tr', null, [
        h('td', null, [h('span', 'strong', k.alias), k.isDefault ? h('span', 'badge', 'default') : null, h('span', 'id', k.id, k.id), k.description ? h('span', 'small', k.description) : null]),
        h('td', null, [pill(k.stateLabel, own(KEY_STATE, k.state) || 'grey'), k.deletionDate ? h('div', 'small', 'deletes ' + day(k.deletionDate)) : null, h('div', 'small', 'created ' + day(k.created))]),
        h('td', null, tagList(k.tags, freshTags(k.warden))),
        h('td', null, k.usedBy.length ? k.usedBy.map(function (n) { return h('div', 'mono', n); }) : h('span', 'small', '—')),
        h('td', null, history(k.warden)),
      ]);
    }), 'No keys.');
  }

  function renderEvents(s) {
    table(document.getElementById('events'), ['Event', 'Age', 'Referenced by', 'Last warden action'], ['30%', '14%', '24%', '32%'], s.events.map(function (e) {
      return h('tr', null, [
        h('td', null, [h('span', 'mono strong', e.name), h('div', 'small', e.types.join(', '))]),
        h('td', null, [h('span', null, ago(e.created)), h('div', 'small', day(e.created))]),
        h('td', null, e.referencedBy.length ? e.referencedBy.map(function (n) { return h('div', 'mono', n); }) : pill('orphaned', 'amber')),
        h('td', null, history(e.warden)),
      ]);
    }), 'No events.');
  }

  function renderSecrets(s) {
    table(document.getElementById('secrets'), ['Secret', 'Key', 'Events'], ['34%', '33%', '33%'], s.secrets.map(function (x) {
      return h('tr', null, [
        h('td', 'mono strong', x.name),
        h('td', null, x.keyAlias ? h('span', 'mono', x.keyAlias) : h('span', 'id', x.keyId || '—')),
        h('td', null, x.events.length ? x.events.map(function (n) { return h('div', 'mono', n); }) : h('span', 'small', '—')),
      ]);
    }), 'No secrets.');
  }

  function renderServers(s) {
    table(document.getElementById('servers'), ['Server', 'Status', 'Backups', 'Newest backup', 'Restorability'], ['22%', '10%', '9%', '21%', '38%'], s.servers.map(function (v) {
      var check = v.warden && v.warden.actions[0];
      var restorable = !check ? h('span', 'small', v.backups ? 'not checked yet' : 'no backups: nothing to check')
        : h('div', 'last', [pill(verdict(check), check.status === 'applied' ? 'green' : check.status === 'deferred' ? 'amber' : 'red'), h('span', 'small reason', check.reason || ''), h('span', 'by', v.warden.function + ' · ' + clock(v.warden.at))]);
      var b = v.newestBackup;
      return h('tr', null, [
        h('td', null, [h('span', 'strong', v.name), h('span', 'id', v.id, v.id)]),
        h('td', null, pill(v.status.toLowerCase(), v.status === 'ACTIVE' ? 'green' : 'grey')),
        h('td', null, [h('span', null, String(v.backups)), h('div', 'small', v.volumes + ' disks')]),
        h('td', null, b ? [pill(b.status, b.status === 'available' ? 'green' : b.status === 'error' ? 'red' : 'amber'), h('div', 'small', ago(Date.parse(b.created.replace(/\\.\\d+$/, '') + 'Z')))] : h('span', 'small', '—')),
        h('td', null, restorable),
      ]);
    }), 'No servers.');
  }

  function renderNotices(s) {
    document.getElementById('notices').replaceChildren.apply(document.getElementById('notices'), s.notices.map(function (n) { return h('div', 'notice', n); }));
  }
  function renderNotifications(s) {
    table(document.getElementById('notifications'), ['Topic', 'Subject', 'Message', 'Sent'], ['16%', '24%', '46%', '14%'], s.notifications.map(function (m) {
      return h('tr', null, [h('td', 'mono', m.topic), h('td', 'strong', m.subject || '—'), h('td', null, h('pre', 'small msg', m.message)), h('td', null, [h('span', null, ago(m.time)), h('div', 'small', clock(new Date(m.time).toISOString()))])]);
    }), 'No notifications yet (set WARDEN_SMN_TOPIC_URN to have the functions publish a summary of each run).');
  }

  var last = null;
  function render(s) {
    last = s;
    document.getElementById('meta').textContent = s.service + ' · cloud ' + s.cloud.url + ' · ' + s.cloud.region + ' · project ' + s.cloud.projectId;
    renderNotices(s); renderNotifications(s); renderSummary(s); renderFunctions(s); renderInvocations(s); renderKeys(s); renderEvents(s); renderSecrets(s); renderServers(s);
  }
  function live(ok, text) {
    document.getElementById('live').className = 'live ' + (ok ? 'ok' : 'down');
    document.getElementById('live-text').textContent = text;
  }
  function poll() {
    fetch('/__warden/status', { cache: 'no-store' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (s) {
        render(s);
        refreshes++;
        document.body.setAttribute('data-refreshes', String(refreshes));
        live(true, 'live · updated ' + clock(s.generatedAt));
      })
      .catch(function () { live(false, 'host unreachable · retrying'); })
      .then(function () { setTimeout(poll, POLL); });
  }
  poll();
})();
`;
