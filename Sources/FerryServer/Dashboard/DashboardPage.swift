import Hummingbird

/// The dashboard: one self-contained page (no build step, no external assets). It follows
/// Queen's migration page (queen.md §1.8): target connection, data groups, start with a
/// confirmation, live progress polled every 2 s, cancel, validate, reset. A run that follows the
/// source shows its lag, positions and apply rates live, with a "Cut over" button. The admin token
/// is asked for on the page and kept in sessionStorage.
enum DashboardPage {
    static func response() -> Response {
        Response(status: .ok,
                 headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                           .contentSecurityPolicy: "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:",
                           .init("X-Frame-Options")!: "DENY"],
                 body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pgferry — database migration</title>
<style>
  :root { --bg:#f5f6f8; --card:#fff; --ink:#1d2330; --muted:#6b7280; --line:#e5e7eb; --accent:#2563eb;
          --ok:#15803d; --okbg:#dcfce7; --bad:#b91c1c; --badbg:#fee2e2; --warn:#92400e; --warnbg:#fef3c7; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif; background:var(--bg); color:var(--ink); }
  header { background:#111827; color:#fff; padding:14px 24px; display:flex; align-items:center; gap:16px; }
  header h1 { font-size:18px; margin:0; font-weight:600; }
  header .sub { color:#9ca3af; font-size:13px; }
  header .spacer { flex:1; }
  main { max-width:1040px; margin:0 auto; padding:20px 24px 60px; display:grid; gap:16px; }
  .card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:18px 20px; }
  .card h2 { font-size:15px; margin:0 0 12px; display:flex; align-items:center; gap:8px; }
  .card h2 .n { background:var(--accent); color:#fff; border-radius:50%; width:22px; height:22px; display:inline-flex;
                align-items:center; justify-content:center; font-size:12px; }
  .grid { display:grid; grid-template-columns: 2fr 1fr 1.5fr; gap:10px 14px; }
  label.f { display:flex; flex-direction:column; gap:4px; font-size:12px; color:var(--muted); }
  input[type=text], input[type=password], input[type=number] { font:inherit; padding:7px 9px; border:1px solid #d1d5db;
        border-radius:6px; color:var(--ink); background:#fff; }
  input:focus { outline:2px solid #bfdbfe; border-color:var(--accent); }
  button { font:inherit; padding:7px 14px; border-radius:6px; border:1px solid #d1d5db; background:#fff; cursor:pointer; }
  button.primary { background:var(--accent); border-color:var(--accent); color:#fff; }
  button.danger { background:#fff; border-color:#fca5a5; color:var(--bad); }
  button:disabled { opacity:.45; cursor:not-allowed; }
  .row { display:flex; align-items:center; gap:10px; flex-wrap:wrap; margin-top:12px; }
  .msg { font-size:13px; }
  .msg.ok { color:var(--ok); } .msg.bad { color:var(--bad); }
  .version { font-family:ui-monospace,Menlo,monospace; font-size:12px; color:var(--muted); }
  .groups { display:grid; grid-template-columns: 1fr 1fr; gap:10px; }
  .group { border:1px solid var(--line); border-radius:8px; padding:10px 12px; }
  .group .tables { font-family:ui-monospace,Menlo,monospace; font-size:11.5px; color:var(--muted); margin-top:3px; }
  .group .skip { display:none; color:var(--warn); font-size:12px; margin-top:3px; }
  .group.off .skip { display:block; }
  .group.off { background:#fafafa; }
  .info { background:#eff6ff; border:1px solid #dbeafe; border-radius:8px; padding:8px 12px; font-size:12.5px; color:#1e3a8a; margin-top:10px; }
  .chip { display:inline-block; padding:2px 10px; border-radius:999px; font-size:12px; font-weight:600; }
  .chip.idle { background:#f3f4f6; color:#374151; }
  .chip.dumping, .chip.restoring { background:#dbeafe; color:#1e40af; }
  .chip.complete, .chip.match, .chip.done { background:var(--okbg); color:var(--ok); }
  .chip.copying, .chip.streaming { background:#dbeafe; color:#1e40af; }
  .chip.cutting_over { background:var(--warnbg); color:var(--warn); }
  .chip.error, .chip.mismatch { background:var(--badbg); color:var(--bad); }
  .bar { height:8px; background:#e5e7eb; border-radius:4px; overflow:hidden; }
  .bar > div { height:100%; background:var(--accent); width:0; transition:width .4s; }
  .bar.done > div { background:var(--ok); } .bar.failed > div { background:var(--bad); }
  .stats { display:flex; gap:22px; flex-wrap:wrap; margin:10px 0; font-size:13px; }
  .stats b { font-variant-numeric:tabular-nums; }
  table { width:100%; border-collapse:collapse; font-size:12.5px; }
  th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); }
  th { color:var(--muted); font-weight:500; }
  td.num { text-align:right; font-variant-numeric:tabular-nums; }
  td.bar-cell { width:26%; }
  .errbox { background:var(--badbg); color:var(--bad); border:1px solid #fecaca; border-radius:8px; padding:10px 12px;
            white-space:pre-wrap; font-family:ui-monospace,Menlo,monospace; font-size:12px; margin-top:10px; }
  .warnbox { background:var(--warnbg); color:var(--warn); border-radius:8px; padding:8px 12px; font-size:12.5px; margin-top:10px; }
  .hidden { display:none !important; }
  .spinner { width:14px; height:14px; border:2px solid #bfdbfe; border-top-color:var(--accent); border-radius:50%;
             animation:spin 0.8s linear infinite; display:inline-block; vertical-align:middle; }
  @keyframes spin { to { transform:rotate(360deg); } }
  #auth-panel { background:var(--warnbg); border-color:#fde68a; }
  .muted { color:var(--muted); }
  a.link { color:var(--accent); cursor:pointer; text-decoration:underline; }
  #follow-panel { border:1px solid #dbeafe; background:#f8fbff; border-radius:8px; padding:10px 12px; margin-top:10px; }
  #follow-panel .stats { margin:8px 0 4px; }
  .lsns { font-size:12px; color:var(--muted); }
  .lsns code { font-family:ui-monospace,Menlo,monospace; color:var(--ink); }
</style>
</head>
<body>
<header>
  <h1>pgferry</h1><span class="sub">PostgreSQL schema migration — Queen-compatible API</span>
  <span class="spacer"></span>
  <span class="chip idle" id="header-status">idle</span>
  <a class="link hidden" id="forget-token" style="color:#93c5fd">forget token</a>
</header>
<main>
  <section class="card hidden" id="auth-panel">
    <h2>Admin token</h2>
    <div class="msg" id="auth-message">This server requires an admin token (PGFERRY_ADMIN_TOKEN or an admin JWT).</div>
    <div class="row">
      <input type="password" id="token-input" placeholder="admin token" style="flex:1" autocomplete="off">
      <button class="primary" id="token-save">Use token</button>
    </div>
    <div class="muted" style="font-size:12px;margin-top:6px">Kept in this tab's sessionStorage only.</div>
  </section>

  <section class="card" id="target-card">
    <h2><span class="n">1</span>Target database</h2>
    <div class="grid">
      <label class="f">Host<input type="text" id="host" placeholder="db.example.internal" autocomplete="off"></label>
      <label class="f">Port<input type="text" id="port" value="5432"></label>
      <label class="f">Database<input type="text" id="database" placeholder="queen"></label>
      <label class="f">User<input type="text" id="user" autocomplete="off"></label>
      <label class="f">Password<input type="password" id="password" autocomplete="new-password"></label>
      <label class="f">Schema<input type="text" id="schema" value="queen"></label>
    </div>
    <div class="row">
      <label><input type="checkbox" id="ssl"> SSL (sslmode=require)</label>
      <span class="spacer" style="flex:1"></span>
      <button id="test-btn">Test Connection</button>
    </div>
    <div class="row"><span class="msg" id="test-result"></span></div>
    <div class="version" id="test-version"></div>
  </section>

  <section class="card" id="data-card">
    <h2><span class="n">2</span>Select data</h2>
    <div class="groups" id="groups"></div>
    <label class="f" style="margin-top:12px"><span>Other tables whose data to skip (comma-separated, <code>name</code> or <code>schema.name</code>)</span>
      <input type="text" id="extra-tables" placeholder="e.g. audit_log, archive.events"></label>
    <div class="info">Always migrated: queues, partitions, partition_consumers, partition_lookup, consumer_groups_metadata,
      system_state, and every other table not skipped above. Skipped tables are created empty; all DDL (functions, triggers,
      indexes, keys) is always migrated.</div>
  </section>

  <section class="card" id="migrate-card">
    <h2><span class="n">3</span>Migrate</h2>
    <label><input type="checkbox" id="follow"> Keep following the source after the copy (logical replication, needs
      <code>wal_level = logical</code>): its changes are applied until you cut over</label>
    <div class="row">
      <button class="primary" id="start-btn" disabled>Start migration</button>
      <button class="danger hidden" id="cancel-btn">Cancel</button>
      <a class="link hidden" id="reset-btn">Reset</a>
      <span class="muted" id="start-hint">Test the connection first.</span>
    </div>
    <div id="progress" class="hidden">
      <div class="row"><span class="spinner hidden" id="spinner"></span><span class="chip idle" id="run-status">idle</span>
        <span id="current-step"></span></div>
      <div class="stats">
        <span>Elapsed <b id="elapsed">0.0</b> s</span>
        <span>ETA <b id="eta">–</b></span>
        <span>Rows <b id="total-rows">0</b></span>
        <span>Copied <b id="total-bytes">0 B</b></span>
        <span>Rate <b id="total-rate">–</b></span>
        <span>Tables <b id="total-tables">0/0</b></span>
      </div>
      <div class="bar" id="overall-bar"><div></div></div>
      <div class="hidden" id="follow-panel">
        <div class="row" style="margin-top:0">
          <b>Following the source</b><span class="chip" id="follow-state"></span>
          <span style="flex:1"></span>
          <button class="primary hidden" id="cutover-btn">Cut over</button>
        </div>
        <div class="stats">
          <span>Lag <b id="follow-lag-bytes">–</b></span>
          <span>Lag time <b id="follow-lag-seconds">–</b></span>
          <span>WAL kept by the slot <b id="follow-retained">–</b></span>
          <span>Transactions applied <b id="follow-transactions">0</b> <span class="muted" id="follow-tps"></span></span>
          <span>Rows applied <b id="follow-rows">0</b> <span class="muted" id="follow-rps"></span></span>
        </div>
        <div class="lsns">Received <code id="follow-received">–</code> · Applied <code id="follow-applied">–</code>
          · Flushed <code id="follow-flushed">–</code> · Slot <code id="follow-slot">–</code> from <code id="follow-start">–</code>
          <span id="follow-end"></span></div>
      </div>
      <div class="warnbox hidden" id="hazards"></div>
      <div class="errbox hidden" id="error-box"></div>
      <table style="margin-top:12px">
        <thead><tr><th>Table</th><th>State</th><th class="num">Rows</th><th class="num">Bytes</th><th class="num">Rate</th><th>Progress</th></tr></thead>
        <tbody id="tables-body"></tbody>
      </table>
    </div>
  </section>

  <section class="card" id="validate-card">
    <h2><span class="n">4</span>Validate</h2>
    <div class="row" style="margin-top:0">
      <button id="validate-btn">Validate Row Counts</button>
      <span class="chip hidden" id="validate-chip"></span>
      <span class="msg" id="validate-message"></span>
    </div>
    <table style="margin-top:12px" class="hidden" id="validate-table">
      <thead><tr><th>Table</th><th class="num">Source</th><th class="num">Target</th><th>Match</th></tr></thead>
      <tbody id="validate-body"></tbody>
    </table>
  </section>
</main>
<script>
"use strict";
const API = "/api/v1/migration";
const TOKEN_KEY = "pgferry.adminToken";
const GROUPS = [
  { id: "messages", name: "Messages", tables: ["messages", "dead_letter_queue"] },
  { id: "traces", name: "Traces", tables: ["message_traces", "message_trace_names"] },
  { id: "consumption", name: "Consumption history", tables: ["messages_consumed"] },
  { id: "metrics", name: "Metrics & stats", tables: ["stats", "stats_history", "system_metrics", "worker_metrics",
      "worker_metrics_summary", "queue_lag_metrics", "retention_history"] },
];
const $ = (id) => document.getElementById(id);
let pollTimer = null;
let connectionTested = false;
let lastStatus = "idle";
let adoptedRun = false;
/// The previous poll's follow counters, for rates per second.
let followSample = null;

function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

function showAuth(message) {
  $("auth-panel").classList.remove("hidden");
  $("auth-message").textContent = message || "This server requires an admin token.";
  $("token-input").focus();
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token()) headers["Authorization"] = "Bearer " + token();
  const response = await fetch(API + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  let data = {};
  try { data = await response.json(); } catch (e) { data = { error: "HTTP " + response.status }; }
  if (response.status === 401 || response.status === 403) {
    showAuth((data && data.error) || "Authentication required");
    throw new Error(data.error || "Authentication required");
  }
  $("auth-panel").classList.add("hidden");
  return { status: response.status, data };
}

function targetBody() {
  const body = {
    host: $("host").value.trim(), port: $("port").value.trim() || "5432", database: $("database").value.trim(),
    user: $("user").value.trim(), password: $("password").value, ssl: $("ssl").checked,
  };
  return body;
}

function excludedTables() {
  const names = [];
  for (const group of GROUPS) if (!$("group-" + group.id).checked) names.push(...group.tables);
  for (const name of $("extra-tables").value.split(",")) if (name.trim()) names.push(name.trim());
  return names;
}

function formatBytes(n) {
  if (n == null) return "–";
  const units = ["B", "kB", "MB", "GB", "TB"]; let i = 0; let v = n;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; i++; }
  return (i === 0 ? v : v.toFixed(1)) + " " + units[i];
}
function formatSeconds(s) {
  if (s == null) return "–";
  if (s < 60) return s.toFixed(1) + " s";
  const m = Math.floor(s / 60); return m + " min " + Math.round(s - m * 60) + " s";
}
function cell(row, text, cls) { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; row.appendChild(td); return td; }
function setChip(el, cls, text) { el.className = "chip " + cls; el.textContent = text; el.classList.remove("hidden"); }

function buildGroups() {
  for (const group of GROUPS) {
    const box = document.createElement("label");
    box.className = "group"; box.id = "group-box-" + group.id;
    const input = document.createElement("input");
    input.type = "checkbox"; input.checked = true; input.id = "group-" + group.id;
    input.addEventListener("change", () => box.classList.toggle("off", !input.checked));
    const name = document.createElement("b"); name.textContent = " " + group.name;
    const tables = document.createElement("div"); tables.className = "tables"; tables.textContent = group.tables.join(", ");
    const skip = document.createElement("div"); skip.className = "skip"; skip.textContent = "skipped — table created empty";
    box.append(input, name, tables, skip);
    $("groups").appendChild(box);
  }
}

function updateStartButton() {
  const running = lastStatus === "dumping" || lastStatus === "restoring";
  const finished = lastStatus === "complete" || lastStatus === "error";
  $("start-btn").disabled = !connectionTested || running || finished;
  $("start-btn").classList.toggle("hidden", running || finished);
  $("follow").disabled = running || finished;
  $("start-hint").textContent = running ? "" : finished ? "Reset to start another run." :
    connectionTested ? "" : "Test the connection first.";
}

async function testConnection() {
  $("test-result").className = "msg"; $("test-result").textContent = "Connecting…"; $("test-version").textContent = "";
  try {
    const { status, data } = await api("POST", "/test-connection", targetBody());
    if (status === 200 && data.success) {
      connectionTested = true;
      $("test-result").className = "msg ok"; $("test-result").textContent = "✓ " + data.message;
      $("test-version").textContent = data.version || "";
    } else {
      connectionTested = false;
      $("test-result").className = "msg bad";
      $("test-result").textContent = "✗ " + (data.message ? data.message + ": " : "") + (data.error || "HTTP " + status);
    }
  } catch (e) { $("test-result").className = "msg bad"; $("test-result").textContent = "✗ " + e.message; }
  updateStartButton();
}

async function startMigration() {
  const body = targetBody();
  body.schema = $("schema").value.trim() || "queen";
  body.excludeTableData = excludedTables();
  if ($("follow").checked) body.follow = true;
  const skipped = body.excludeTableData.length ? "\nData skipped (tables created empty): " + body.excludeTableData.join(", ") : "";
  const follow = body.follow ? "\nThen keep applying the source's changes until you cut over." : "";
  const ok = window.confirm("Drop and recreate schema \"" + body.schema + "\" on " + body.host + ":" + body.port + "/" +
    body.database + ", then copy every table from the source?" + skipped + follow);
  if (!ok) return;
  try {
    const { status, data } = await api("POST", "/start", body);
    if (status === 202) { $("error-box").classList.add("hidden"); await refresh(); startPolling(); }
    else showError(data.error || "HTTP " + status);
  } catch (e) { showError(e.message); }
}

function showError(text) {
  $("progress").classList.remove("hidden");
  $("error-box").textContent = text; $("error-box").classList.remove("hidden");
}

async function cancelMigration() {
  if (!window.confirm("Cancel the running migration? The target schema is left incomplete (the next run recreates it).")) return;
  try { await api("POST", "/cancel"); await refresh(); } catch (e) { showError(e.message); }
}

async function cutOver() {
  if (!window.confirm("Cut over now? Everything the source has committed up to this moment is applied, the target's " +
    "sequences are set, row counts compared, and the replication slot dropped; then the run completes. Stop the " +
    "application's writes to the source first: later writes are not applied.")) return;
  $("cutover-btn").disabled = true;
  try {
    const { status, data } = await api("POST", "/cutover");
    if (status !== 202) showError(data.error || "HTTP " + status);
    await refresh();
  } catch (e) { showError(e.message); }
}

async function resetMigration() {
  try {
    const { status, data } = await api("POST", "/reset");
    if (status !== 200) { showError(data.error || "HTTP " + status); return; }
    $("progress").classList.add("hidden"); $("error-box").classList.add("hidden");
    await refresh();
  } catch (e) { showError(e.message); }
}

/// A page reopened mid-run shows the run's own choices, not the defaults.
function adoptRunSettings(s) {
  if (s.status === "idle" || adoptedRun) return;
  adoptedRun = true;
  const excluded = new Set(s.excludeTableData || []);
  if (s.schemas && s.schemas.length) $("schema").value = s.schemas[0];
  const grouped = new Set();
  for (const group of GROUPS) {
    const off = group.tables.some((t) => excluded.has(t));
    $("group-" + group.id).checked = !off;
    $("group-box-" + group.id).classList.toggle("off", off);
    if (off) group.tables.forEach((t) => grouped.add(t));
  }
  $("extra-tables").value = [...excluded].filter((t) => !grouped.has(t)).join(", ");
}

/// Follow mode: state, lag, positions, and apply rates from the change since the previous poll.
function renderFollow(f, running) {
  if (f) $("follow").checked = true;  // a reopened page shows how the run was started
  $("follow-panel").classList.toggle("hidden", !f);
  $("cutover-btn").classList.toggle("hidden", !f || !running);
  if (!f) { followSample = null; return; }
  setChip($("follow-state"), f.state, f.state.replace("_", " "));
  const live = running && f.state !== "done";  // an ended run lags nothing
  $("follow-lag-bytes").textContent = !live || f.lagBytes == null ? "–" : formatBytes(f.lagBytes);
  $("follow-lag-seconds").textContent = !live || f.lagSeconds == null ? "–" : formatSeconds(f.lagSeconds);
  $("follow-retained").textContent = f.retainedBytes == null ? "–" : formatBytes(f.retainedBytes);
  $("follow-transactions").textContent = f.transactionsApplied.toLocaleString();
  $("follow-rows").textContent = f.rowsApplied.toLocaleString();
  $("follow-received").textContent = f.receivedLSN || "–";
  $("follow-applied").textContent = f.appliedLSN || "–";
  $("follow-flushed").textContent = f.flushedLSN || "–";
  $("follow-slot").textContent = f.slot;
  $("follow-start").textContent = f.consistentPoint;
  $("follow-end").textContent = !f.endLSN ? "" : (f.state === "done" ? " · cut over at " : " · cutting over at ") + f.endLSN;
  const now = performance.now();
  const previous = followSample && followSample.slot === f.slot ? followSample : null;
  const seconds = previous ? (now - previous.at) / 1000 : 0;
  const rate = (count, before) => seconds >= 0.5 && f.state === "streaming" ? "(" + Math.max(0, (count - before) / seconds).toFixed(1) + "/s)" : "";
  $("follow-tps").textContent = previous ? rate(f.transactionsApplied, previous.transactions) : "";
  $("follow-rps").textContent = previous ? rate(f.rowsApplied, previous.rows) : "";
  followSample = { slot: f.slot, at: now, transactions: f.transactionsApplied, rows: f.rowsApplied };
  $("cutover-btn").disabled = !(f.state === "copying" || f.state === "streaming");
}

function render(s) {
  adoptRunSettings(s);
  if (s.status === "idle") adoptedRun = false;
  lastStatus = s.status;
  setChip($("header-status"), s.status, s.status);
  const running = s.status === "dumping" || s.status === "restoring";
  if (s.status !== "idle") $("progress").classList.remove("hidden");
  setChip($("run-status"), s.status, s.status);
  $("spinner").classList.toggle("hidden", !running);
  $("current-step").textContent = s.currentStep || "";
  $("elapsed").textContent = (s.elapsedSeconds || 0).toFixed(1);
  $("eta").textContent = running && s.etaSeconds != null ? formatSeconds(s.etaSeconds) : "–";
  const t = s.totals || {};
  $("total-rows").textContent = (t.rows || 0).toLocaleString();
  $("total-bytes").textContent = formatBytes(t.bytes || 0);
  $("total-rate").textContent = t.bytesPerSecond ? formatBytes(t.bytesPerSecond) + "/s" : "–";
  $("total-tables").textContent = (t.tablesDone || 0) + "/" + ((t.tables || 0) - (t.tablesSkipped || 0)) +
    (t.tablesSkipped ? " (+" + t.tablesSkipped + " skipped)" : "");
  const overall = $("overall-bar");
  overall.className = "bar" + (s.status === "complete" ? " done" : s.status === "error" ? " failed" : "");
  overall.firstElementChild.style.width = (s.status === "error" ? 100 : (t.percent || 0)) + "%";
  if (s.error) { $("error-box").textContent = s.error; $("error-box").classList.remove("hidden"); }
  else if (s.status !== "idle") $("error-box").classList.add("hidden");
  const notes = (s.hazards || []).slice();
  if (s.comparison) {
    const c = s.comparison, n = c.missing.length + c.extra.length + c.different.length;
    notes.push("schema compare: " + (n ? n + " difference(s), see the error" : "source and target are equal"));
    for (const note of c.notes || []) notes.push("schema compare: " + note);
  }
  if (notes.length) { $("hazards").textContent = notes.join("\n"); $("hazards").classList.remove("hidden"); }
  else $("hazards").classList.add("hidden");
  const body = $("tables-body"); body.textContent = "";
  for (const table of s.tables || []) {
    const row = document.createElement("tr"); row.dataset.table = table.table; row.dataset.state = table.state;
    cell(row, table.table); cell(row, table.state);
    cell(row, table.state === "skipped" ? "–" : table.rows.toLocaleString(), "num");
    cell(row, table.state === "skipped" ? "–" : formatBytes(table.bytes), "num");
    cell(row, table.bytesPerSecond ? formatBytes(table.bytesPerSecond) + "/s" : "–", "num");
    const barCell = cell(row, "", "bar-cell");
    const bar = document.createElement("div");
    bar.className = "bar" + (table.state === "done" ? " done" : table.state === "failed" ? " failed" : "");
    const fill = document.createElement("div"); fill.style.width = (table.state === "failed" ? 100 : table.percent) + "%";
    bar.appendChild(fill); barCell.appendChild(bar);
    body.appendChild(row);
  }
  renderFollow(s.follow, running);
  $("cancel-btn").classList.toggle("hidden", !running);
  $("reset-btn").classList.toggle("hidden", !(s.status === "complete" || s.status === "error"));
  updateStartButton();
  if (!running) stopPolling();
}

async function refresh() {
  try { const { data } = await api("GET", "/status"); render(data); }
  catch (e) { /* auth panel shown by api() */ }
}
function startPolling() { if (!pollTimer) pollTimer = setInterval(refresh, 2000); }
function stopPolling() { if (pollTimer) { clearInterval(pollTimer); pollTimer = null; } }

async function validate() {
  $("validate-message").className = "msg"; $("validate-message").textContent = "Counting rows…";
  $("validate-chip").classList.add("hidden");
  const body = targetBody(); body.schema = $("schema").value.trim() || "queen";
  try {
    const { status, data } = await api("POST", "/validate", body);
    if (status !== 200 || !data.success) {
      $("validate-message").className = "msg bad"; $("validate-message").textContent = "✗ " + (data.error || "HTTP " + status);
      return;
    }
    $("validate-message").textContent = "";
    setChip($("validate-chip"), data.allMatch ? "match" : "mismatch",
      data.allMatch ? "All tables match" : "Some tables have mismatched counts");
    const tbody = $("validate-body"); tbody.textContent = "";
    for (const t of data.tables) {
      const row = document.createElement("tr"); row.dataset.table = t.table;
      cell(row, t.table);
      cell(row, t.sourceCount < 0 ? "-" : t.sourceCount.toLocaleString(), "num");
      cell(row, t.targetCount < 0 ? "-" : t.targetCount.toLocaleString(), "num");
      const m = cell(row, t.skipped ? "skipped" : t.match ? "✓" : "✗");
      m.style.color = t.skipped ? "var(--warn)" : t.match ? "var(--ok)" : "var(--bad)";
      tbody.appendChild(row);
    }
    $("validate-table").classList.remove("hidden");
  } catch (e) { $("validate-message").className = "msg bad"; $("validate-message").textContent = "✗ " + e.message; }
}

function init() {
  buildGroups();
  $("test-btn").addEventListener("click", testConnection);
  $("start-btn").addEventListener("click", startMigration);
  $("cancel-btn").addEventListener("click", cancelMigration);
  $("cutover-btn").addEventListener("click", cutOver);
  $("reset-btn").addEventListener("click", resetMigration);
  $("validate-btn").addEventListener("click", validate);
  for (const id of ["host", "port", "database", "user", "password", "ssl"]) {
    $(id).addEventListener("input", () => { connectionTested = false; updateStartButton(); });
  }
  $("token-save").addEventListener("click", async () => {
    sessionStorage.setItem(TOKEN_KEY, $("token-input").value.trim()); $("token-input").value = "";
    $("forget-token").classList.remove("hidden");
    await resume();
  });
  $("token-input").addEventListener("keydown", (e) => { if (e.key === "Enter") $("token-save").click(); });
  $("forget-token").addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); location.reload(); });
  if (token()) $("forget-token").classList.remove("hidden");
  resume();
}

/// On load (and after a token is entered): show the current run and resume polling if it is running.
async function resume() {
  await refresh();
  if (lastStatus === "dumping" || lastStatus === "restoring") startPolling();
}

init();
</script>
</body>
</html>
"""#
}
