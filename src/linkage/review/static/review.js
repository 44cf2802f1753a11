// The review page of linkage. Every value is written with textContent (never as HTML); every
// request carries the session's token, read from the page's address.
"use strict";

const token = new URLSearchParams(window.location.search).get("token") || "";
const state = { tab: "queue", items: [], index: 0, detail: null, scope: "pair", busy: false };

const FIELDS = [
  ["source", "Agency"], ["record_id", "Record id"], ["first_name", "Given names"],
  ["middle_name", "Middle name"], ["last_name", "Surnames"], ["dob", "Birth date"],
  ["a_number", "A-number"], ["sex", "Sex"], ["country", "Country"],
  ["event_date", "Event date"], ["release_date", "Release date"],
  ["nta_issued_date", "NTA issued"], ["hearing_date", "Hearing date"],
  ["address", "Sponsor address"], ["zip5", "ZIP"], ["identity_id", "Identity"],
];
const KINDS = {
  weak_link: "weak link inside an identity",
  refused_link: "strong link refused between two identities",
  sample: "random link (sample)",
};

function $(id) { return document.getElementById(id); }

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function say(text) { $("status").textContent = text; }

async function api(path, body) {
  const options = { headers: { "X-Linkage-Token": token } };
  if (body !== undefined) {
    options.method = "POST";
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const answer = await fetch(path, options);
  const data = await answer.json();
  if (!answer.ok) throw new Error(data.error || answer.statusText);
  return data;
}

function percent(x) { return x === null || x === undefined ? "–" : (100 * x).toFixed(1) + "%"; }

function showPrecision(p) {
  const box = $("precision");
  box.replaceChildren();
  if (!p) { box.hidden = true; return; }
  box.hidden = false;
  const text = p.precision === null
    ? "No sample decisions yet: decide on the random links below to estimate the precision of the links."
    : "Estimated precision of the links: " + percent(p.precision) + " (95% interval " +
      percent(p.low) + " to " + percent(p.high) + ", from " + p.decided + " sample decisions).";
  box.append(el("span", text, "estimate"));
  box.append(el("span", " " + p.unreviewed_uncertain +
    " identities have a status that rests on an unreviewed uncertain link.", "uncertain"));
}

function renderList() {
  const list = $("list");
  list.replaceChildren();
  if (state.tab === "decided") return;
  state.items.forEach((item, i) => {
    const li = el("li", null, i === state.index ? "selected" : "");
    li.dataset.index = String(i);
    li.append(el("span", KINDS[item.kind] || item.kind, "kind"));
    li.append(el("span", "p = " + Number(item.match_probability).toFixed(3), "prob"));
    if (item.changes_lost) li.append(el("span", "changes the lost count", "badge lost"));
    else if (item.changes_status) li.append(el("span", "changes a status", "badge"));
    li.addEventListener("click", () => select(i));
    list.append(li);
  });
  $("count-" + state.tab).textContent = "(" + state.items.length + ")";
}

function recordsTable(records) {
  const table = el("table", null, "records");
  const head = el("tr");
  head.append(el("th", ""), el("th", "Record A"), el("th", "Record B"));
  table.append(head);
  for (const [key, label] of FIELDS) {
    const a = records[0][key], b = records[1][key];
    const row = el("tr", null, a !== b && key !== "source" && key !== "record_id" ? "differs" : "");
    row.append(el("th", label), el("td", a === null ? "—" : a), el("td", b === null ? "—" : b));
    table.append(row);
  }
  return table;
}

function waterfallTable(rows) {
  const table = el("table", null, "waterfall");
  const head = el("tr");
  head.append(el("th", "Comparison"), el("th", "Level"), el("th", "Weight"), el("th", ""),
    el("th", "Running"));
  table.append(head);
  for (const r of rows) {
    const row = el("tr");
    const weight = Number(r.match_weight);
    const cell = el("td", null, "bar");
    const bar = el("span", null, weight >= 0 ? "plus" : "minus");
    bar.style.width = Math.min(100, Math.abs(weight) * 5) + "%";
    cell.append(bar);
    row.append(el("td", r.comparison), el("td", r.level), el("td", weight.toFixed(2), "num"),
      cell, el("td", Number(r.cumulative_match_weight).toFixed(2), "num"));
    table.append(row);
  }
  return table;
}

function statusesTable(detail) {
  const table = el("table", null, "statuses");
  const rows = [
    ["Now", detail.status_now],
    ["If the same child", detail.status_if_same],
    ["If different children", detail.status_if_different],
  ];
  for (const [label, value] of rows) {
    const row = el("tr");
    row.append(el("th", label), el("td", value));
    table.append(row);
  }
  return table;
}

function decisionBar() {
  const bar = el("div", null, "decide");
  const buttons = [["same", "Same child (s)"], ["different", "Different children (d)"],
    ["not_sure", "Not sure (n)"]];
  for (const [decision, label] of buttons) {
    const button = el("button", label, "decision " + decision);
    button.id = "decide-" + decision;
    button.addEventListener("click", () => decide(decision));
    bar.append(button);
  }
  const scope = el("label", null, "scope");
  const box = el("input");
  box.type = "checkbox";
  box.id = "scope";
  box.checked = state.scope === "identity";
  box.addEventListener("change", () => { state.scope = box.checked ? "identity" : "pair"; });
  scope.append(box, el("span", " different: keep record B apart from the whole identity of A (i)"));
  const note = el("textarea");
  note.id = "note";
  note.rows = 2;
  note.placeholder = "Note (optional)";
  bar.append(scope, note);
  return bar;
}

async function select(i) {
  state.index = Math.max(0, Math.min(i, state.items.length - 1));
  renderList();
  const box = $("item");
  box.replaceChildren();
  const item = state.items[state.index];
  if (!item) {
    box.append(el("p", state.tab === "queue" ? "Nothing left to review." : "No links to check.",
      "empty"));
    state.detail = null;
    return;
  }
  const selected = $("list").children[state.index];
  if (selected) selected.scrollIntoView({ block: "nearest" });
  box.append(el("p", "Loading…", "empty"));
  const query = "l=" + encodeURIComponent(item.unique_id_l) + "&r=" +
    encodeURIComponent(item.unique_id_r);
  try {
    const detail = await api("/api/item?" + query);
    if (state.items[state.index] !== item) return;
    state.detail = detail;
    box.replaceChildren();
    box.append(el("h2", (KINDS[item.kind] || item.kind) + ": match probability " +
      Number(detail.match_probability).toFixed(3)));
    box.append(statusesTable(detail), recordsTable(detail.records));
    box.append(el("h3", "Why the model scored it so"), waterfallTable(detail.waterfall));
    box.append(decisionBar());
  } catch (error) {
    box.replaceChildren(el("p", "Could not load this item: " + error.message, "error"));
  }
}

async function decide(decision) {
  const item = state.items[state.index];
  if (!item || state.busy || state.tab === "decided") return;
  state.busy = true;
  document.body.dataset.busy = "true";  // keys wait until the next item is shown
  const note = $("note");
  try {
    const answer = await api("/api/decide", {
      unique_id_l: item.unique_id_l, unique_id_r: item.unique_id_r, decision: decision,
      reviewer: $("reviewer").value, note: note ? note.value : "",
      mode: state.tab === "sample" ? "sample" : "queue",
      scope: state.scope,
    });
    state.items.splice(state.index, 1);
    say("Recorded “" + decision.replace("_", " ") + "” for " + item.unique_id_l + " and " +
      item.unique_id_r + ". " + answer.decided + " decisions in the store.");
    $("count-decided").textContent = "(" + answer.decided + ")";
    if (state.tab === "sample") showPrecision(answer.precision);
    state.scope = "pair";
    await select(state.index);
  } catch (error) {
    say("The decision was not recorded: " + error.message);
  } finally {
    state.busy = false;
    document.body.dataset.busy = "false";
  }
}

function renderDecided(rows) {
  const box = $("item");
  box.replaceChildren();
  $("count-decided").textContent = "(" + rows.length + ")";
  if (!rows.length) { box.append(el("p", "No decisions yet.", "empty")); return; }
  const table = el("table", null, "decided");
  const head = el("tr");
  for (const name of ["Record A", "Record B", "Decision", "Reviewer", "Note", "When", "Mode",
    "Applied in"]) head.append(el("th", name));
  table.append(head);
  for (const d of rows.slice().reverse()) {
    const row = el("tr");
    row.append(el("td", d.source_l + ":" + d.record_id_l), el("td", d.source_r + ":" + d.record_id_r),
      el("td", d.decision), el("td", d.reviewer || ""), el("td", d.note || ""),
      el("td", d.decided_at || ""), el("td", d.mode || ""),
      el("td", d.applied_in === null ? "next update" : d.applied_in));
    table.append(row);
  }
  box.append(table);
}

async function load(tab, refresh) {
  state.tab = tab;
  state.index = 0;
  for (const button of document.querySelectorAll(".tab")) {
    button.classList.toggle("active", button.dataset.tab === tab);
  }
  const suffix = refresh ? "?refresh=1" : "";
  try {
    if (tab === "decided") {
      state.items = [];
      renderList();
      showPrecision(null);
      renderDecided((await api("/api/decisions")).decisions);
      return;
    }
    const data = await api("/api/" + tab + suffix);
    state.items = data.items;
    if (tab === "queue") {
      showPrecision(null);
      $("count-decided").textContent = "(" + data.decided + ")";
    } else {
      showPrecision(data.precision);
    }
    await select(0);
  } catch (error) {
    say("Could not load: " + error.message);
  }
}

async function applyDecisions() {
  say("Applying the decisions…");
  try {
    const answer = await api("/api/apply", {});
    const parts = Object.entries(answer.changes).map(([k, v]) => k + " " + v);
    say("Applied. Changes: " + (parts.length ? parts.join(", ") : "none") + ".");
    await load(state.tab, true);
  } catch (error) {
    say("Could not apply: " + error.message);
  }
}

function onKey(event) {
  const target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) {
    if (event.key === "Escape") target.blur();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const actions = {
    s: () => decide("same"), d: () => decide("different"), n: () => decide("not_sure"),
    j: () => select(state.index + 1), k: () => select(state.index - 1),
    i: () => {
      state.scope = state.scope === "identity" ? "pair" : "identity";
      const box = $("scope");
      if (box) box.checked = state.scope === "identity";
    },
    "/": () => { const note = $("note"); if (note) note.focus(); },
  };
  if (actions[event.key]) {
    event.preventDefault();
    actions[event.key]();
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const reviewer = $("reviewer");
  reviewer.value = window.localStorage.getItem("linkage-reviewer") || "";
  reviewer.addEventListener("change", () => {
    window.localStorage.setItem("linkage-reviewer", reviewer.value);
  });
  for (const button of document.querySelectorAll(".tab")) {
    button.addEventListener("click", () => load(button.dataset.tab, false));
  }
  $("apply").addEventListener("click", applyDecisions);
  document.addEventListener("keydown", onKey);
  load("queue", false);
});
