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

/// What start and plan are asked for: the schema (or every schema), the skipped data, owners and roles.
function runOptions(body) {
  if ($("all-schemas").checked) body.allSchemas = true;
  else body.schema = $("schema").value.trim() || $("schema").defaultValue;
  body.excludeTableData = excludedTables();
  if ($("roles").checked) { body.owners = true; body.roles = true; }
  return body;
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
  $("plan-btn").disabled = !connectionTested;
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

/// The plan against the form's target: schemas, tables, and what would be created first (roles).
async function showPlan() {
  const box = $("plan-box");
  box.textContent = "Planning…"; box.classList.remove("hidden");
  try {
    const { status, data } = await api("POST", "/plan", runOptions(targetBody()));
    if (status !== 200) { box.textContent = "✗ " + (data.error || "HTTP " + status); return; }
    const copied = data.tables.filter((t) => t.copiesData).length;
    box.textContent = ["Plan: schemas " + data.schemas.join(", ") + "; " + data.tables.length + " tables (" + copied +
      " with data); " + data.ddl.length + " statements", ...data.hazards].join("\n");
  } catch (e) { box.textContent = "✗ " + e.message; }
}

async function startMigration() {
  const body = runOptions(targetBody());
  if ($("follow").checked) body.follow = true;
  const skipped = body.excludeTableData.length ? "\nData skipped (tables created empty): " + body.excludeTableData.join(", ") : "";
  const follow = body.follow ? "\nThen keep applying the source's changes until you cut over." : "";
  const roles = body.roles ? "\nRoles the target lacks are created (cluster-wide)." : "";
  const what = body.allSchemas ? "every schema of the source database" : "schema \"" + body.schema + "\"";
  const ok = window.confirm("Drop and recreate " + what + " on " + body.host + ":" + body.port + "/" +
    body.database + ", then copy every table from the source?" + skipped + follow + roles);
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
  const body = targetBody();
  if ($("all-schemas").checked) body.allSchemas = true; else body.schema = $("schema").value.trim() || $("schema").defaultValue;
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
  $("plan-btn").addEventListener("click", showPlan);
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
