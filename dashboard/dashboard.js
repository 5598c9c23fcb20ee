// The operators' dashboard: lists go-lives from GET /api/golive, shows one in detail from
// GET /api/golive/{publisher}/{offer}, cancels through POST .../cancel. Every call carries
// the function key in x-functions-key; the key lives in sessionStorage, never in a URL.
// Data is put on the page with textContent only.
"use strict";

(function () {
  const KEY_STORAGE = "golive.functionKey";
  const AUTO_REFRESH_MS = 15000;
  const CANCELLABLE_PHASES = new Set(["starting", "polling"]);
  const IN_FLIGHT = new Set(["Running", "Pending", "ContinuedAsNew", "Suspended"]);
  const OUTCOME_PREFIX = "Marketplace.GoLive.";
  const API_NAMES = { cpp: "CPP", productIngestion: "Product Ingestion" };

  const pageBase = document.querySelector('meta[name="page-base"]').content;
  const apiBase = pageBase.replace(/\/dashboard$/i, "/golive");
  const $ = (id) => document.getElementById(id);

  let rows = [];
  let nextToken = null;
  let timer = null;
  let pendingCancel = null;

  class KeyRefused extends Error {}
  class NoKey extends Error {}

  function functionKey() {
    return sessionStorage.getItem(KEY_STORAGE) || "";
  }

  async function call(method, path, body) {
    const key = functionKey();
    if (!key) throw new NoKey();
    const headers = { "x-functions-key": key, Accept: "application/json" };
    const init = { method, headers, cache: "no-store", credentials: "omit" };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(apiBase + path, init);
    if (response.status === 401 || response.status === 403) throw new KeyRefused(String(response.status));
    let data = null;
    try {
      data = await response.json();
    } catch (_) {
      data = null;
    }
    return { status: response.status, data };
  }

  function errorText(error, what) {
    if (error instanceof NoKey) {
      return "Enter the function key above to see the go-lives (Azure portal: Function App \u2192 App keys; locally, make serve prints it).";
    }
    if (error instanceof KeyRefused) {
      return "The function key was refused (HTTP " + error.message + "). Check that you entered this app's key.";
    }
    return "Could not " + what + ": " + (error && error.message ? error.message : String(error));
  }

  function notify(text, kind) {
    const notice = $("notice");
    notice.textContent = text;
    notice.className = "notice " + (kind || "error");
    notice.hidden = !text;
  }

  function filterQuery() {
    const params = new URLSearchParams();
    for (const element of $("filters").elements) {
      if (element.name && element.value.trim()) params.set(element.name, element.value.trim());
    }
    return params;
  }

  async function load(more, keepNotice) {
    const params = filterQuery();
    if (more && nextToken) params.set("continuationToken", nextToken);
    $("status-line").textContent = "Loading\u2026";
    try {
      const { status, data } = await call("GET", "?" + params.toString());
      if (status !== 200) {
        const reason = data && data.error ? data.error.message : "HTTP " + status;
        notify("The go-lives could not be listed: " + reason);
        $("status-line").textContent = "";
        return;
      }
      if (!keepNotice) notify("");
      rows = more ? rows.concat(data.goLives) : data.goLives;
      nextToken = data.continuationToken;
      render();
    } catch (error) {
      notify(errorText(error, "list the go-lives"));
      $("status-line").textContent = "";
    }
  }

  function shortOutcome(outcome) {
    if (!outcome) return "";
    return outcome.startsWith(OUTCOME_PREFIX) ? outcome.slice(OUTCOME_PREFIX.length) : outcome;
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // "Nov 30 19:54" in UTC (the year only when it is not this year); full ISO text in `title`.
  function when(text) {
    if (!text) return "";
    const date = new Date(text);
    if (isNaN(date.getTime())) return text;
    const pad = (n) => String(n).padStart(2, "0");
    const year = date.getUTCFullYear() === new Date().getUTCFullYear() ? "" : date.getUTCFullYear() + " ";
    return year + MONTHS[date.getUTCMonth()] + " " + pad(date.getUTCDate()) + " " +
      pad(date.getUTCHours()) + ":" + pad(date.getUTCMinutes());
  }

  function timeCell(tr, text) {
    const td = cell(tr, when(text), "when");
    if (text) td.title = text;
    return td;
  }

  function cell(tr, text, className) {
    const td = document.createElement("td");
    td.textContent = text == null ? "" : String(text);
    if (className) td.className = className;
    tr.appendChild(td);
    return td;
  }

  function button(label, accessibleName, onClick) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.setAttribute("aria-label", accessibleName);
    b.addEventListener("click", onClick);
    return b;
  }

  function offerName(row) {
    return (row.publisherId || "?") + "/" + (row.offerId || row.instanceId);
  }

  function canCancel(row) {
    return IN_FLIGHT.has(row.runtimeStatus) && CANCELLABLE_PHASES.has(row.phase);
  }

  function render() {
    const tbody = $("golives").tBodies[0];
    tbody.replaceChildren();
    for (const row of rows) {
      const tr = document.createElement("tr");
      tr.dataset.instanceId = row.instanceId;
      const offer = cell(tr, "", "offer-cell");
      const name = document.createElement("span");
      name.className = "offer";
      name.textContent = offerName(row);
      offer.appendChild(name);
      if (row.needsPerson) {
        tr.classList.add("needs-person");
        const reason = document.createElement("span");
        reason.className = "reason";
        const first = (row.attention || [])[0] || {};
        reason.textContent = "Needs a person: " + (first.message || first.status || "see details");
        offer.appendChild(reason);
      }
      if (row.failure) {
        const failure = document.createElement("span");
        failure.className = "reason";
        failure.textContent = "Failed: " + row.failure;
        offer.appendChild(failure);
      }
      cell(tr, API_NAMES[row.api] || row.api);
      cell(tr, row.phase || row.runtimeStatus);
      cell(tr, row.currentStep);
      cell(tr, row.cppStatus);
      cell(tr, row.polls, "number");
      timeCell(tr, row.nextPollAt);
      timeCell(tr, row.startedAt || row.createdTime);
      timeCell(tr, row.deadline);
      cell(tr, shortOutcome(row.outcome) || (IN_FLIGHT.has(row.runtimeStatus) ? "" : row.runtimeStatus));
      const actions = cell(tr, "", "actions");
      actions.appendChild(button("Details", "Details of " + offerName(row), () => showDetail(row)));
      if (canCancel(row)) {
        actions.appendChild(button("Cancel\u2026", "Cancel " + offerName(row), () => askCancel(row)));
      }
      tbody.appendChild(tr);
    }
    const waiting = rows.filter((r) => r.needsPerson).length;
    $("status-line").textContent =
      rows.length + (rows.length === 1 ? " go-live" : " go-lives") +
      (waiting ? ", " + waiting + " waiting for a person" : "") +
      (nextToken ? " (more to load)" : "") +
      " \u2014 updated " + new Date().toISOString().slice(11, 19) + " UTC";
    $("load-more").hidden = !nextToken;
  }

  function routeOf(row) {
    return "/" + encodeURIComponent(row.publisherId) + "/" + encodeURIComponent(row.offerId);
  }

  function element(tag, text, className) {
    const e = document.createElement(tag);
    if (text != null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  }

  function facts(pairs) {
    const dl = element("dl", null, "facts");
    for (const [name, value] of pairs) {
      if (value == null || value === "") continue;
      dl.appendChild(element("dt", name));
      dl.appendChild(element("dd", value));
    }
    return dl;
  }

  function stepsTable(steps) {
    const table = element("table", null, "steps");
    table.appendChild(element("caption", "Steps"));
    const head = table.createTHead().insertRow();
    for (const title of ["Step", "Status", "Progress", "Messages"]) {
      const th = element("th", title);
      th.scope = "col";
      head.appendChild(th);
    }
    const body = table.createTBody();
    for (const step of steps) {
      const tr = body.insertRow();
      tr.appendChild(element("td", step.name));
      tr.appendChild(element("td", step.status));
      const progressCell = element("td");
      const percent = typeof step.progressPercentage === "number" ? step.progressPercentage : null;
      if (percent !== null) {
        const bar = element("progress");
        bar.max = 100;
        bar.value = percent;
        bar.setAttribute("aria-label", (step.name || "step") + " progress");
        progressCell.appendChild(bar);
        progressCell.appendChild(element("span", " " + Math.round(percent) + "%"));
      }
      tr.appendChild(progressCell);
      const messagesCell = element("td");
      const list = element("ul", null, "messages");
      for (const message of step.messages || []) {
        const li = element("li", "[" + message.level + "] " + message.text, "level-" + message.level);
        list.appendChild(li);
      }
      if (list.children.length) messagesCell.appendChild(list);
      tr.appendChild(messagesCell);
    }
    return table;
  }

  function eventsList(events) {
    const section = element("section");
    section.appendChild(element("h3", "Events published"));
    if (!events.length) {
      section.appendChild(element("p", "None yet."));
      return section;
    }
    const list = element("ul", null, "events");
    for (const event of events) {
      list.appendChild(element("li", shortOutcome(event.type) + " \u2014 " + when(event.time) + " UTC \u2014 id " + event.id));
    }
    section.appendChild(list);
    return section;
  }

  async function showDetail(row) {
    const dialog = $("detail");
    const body = $("detail-body");
    $("detail-title").textContent = "Go-live of " + offerName(row);
    body.replaceChildren(element("p", "Loading\u2026"));
    if (!dialog.open) dialog.showModal();
    try {
      const { status, data } = await call("GET", routeOf(row));
      if (status !== 200) {
        body.replaceChildren(element("p", data && data.error ? data.error.message : "HTTP " + status));
        return;
      }
      const parts = [];
      if (data.needsPerson) {
        const box = element("div", null, "attention");
        box.appendChild(element("h3", "Needs a person"));
        const list = element("ul");
        for (const reason of data.attention || []) {
          list.appendChild(element("li", reason.message || reason.step));
        }
        box.appendChild(list);
        parts.push(box);
      }
      parts.push(facts([
        ["Instance", data.instanceId],
        ["API", API_NAMES[data.api] || data.api],
        ["Runtime status", data.runtimeStatus],
        ["Phase", data.phase],
        ["Operation status", data.cppStatus],
        ["Current step", data.currentStep],
        ["Outcome", shortOutcome(data.outcome)],
        ["Failure", data.failure],
        ["Polls", data.polls],
        ["Next poll (UTC)", when(data.nextPollAt)],
        ["Started (UTC)", when(data.startedAt)],
        ["Deadline (UTC)", when(data.deadline)],
        ["Request id", data.requestId],
        ["Correlation id", data.correlationId],
        ["Operation", data.operationLocation],
      ]));
      parts.push(data.steps && data.steps.length ? stepsTable(data.steps) : element("p", "No steps reported yet."));
      parts.push(eventsList(data.events || []));
      body.replaceChildren(...parts);
    } catch (error) {
      body.replaceChildren(element("p", errorText(error, "load the go-live")));
    }
  }

  function askCancel(row) {
    pendingCancel = row;
    $("cancel-text").textContent =
      "The go-live of " + offerName(row) + " stops waiting and ends Canceled. This cannot be undone.";
    $("cancel-operation").checked = false;
    $("cancel-reason").value = "";
    $("cancel-dialog").returnValue = "";
    $("cancel-dialog").showModal();
    $("cancel-keep").focus();
  }

  async function confirmCancel() {
    const row = pendingCancel;
    pendingCancel = null;
    if (!row) return;
    const body = { cancelOperation: $("cancel-operation").checked };
    const reason = $("cancel-reason").value.trim();
    if (reason) body.reason = reason;
    try {
      const { status, data } = await call("POST", routeOf(row) + "/cancel", body);
      if (status === 202) {
        notify("Cancel requested for " + offerName(row) + ". Its row updates when the go-live ends.", "info");
      } else {
        notify("Cancel of " + offerName(row) + " refused: " + (data && data.error ? data.error.message : "HTTP " + status));
      }
    } catch (error) {
      notify(errorText(error, "cancel"));
    }
    await load(false, true);
  }

  function setAutoRefresh(on) {
    if (timer) clearInterval(timer);
    timer = on ? setInterval(() => load(false), AUTO_REFRESH_MS) : null;
  }

  function start() {
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const key = $("function-key").value.trim();
      if (key) sessionStorage.setItem(KEY_STORAGE, key);
      $("function-key").value = "";
      $("function-key").placeholder = key ? "key set" : "";
      load(false);
    });
    $("forget-key").addEventListener("click", () => {
      sessionStorage.removeItem(KEY_STORAGE);
      $("function-key").placeholder = "";
      rows = [];
      nextToken = null;
      render();
      notify(errorText(new NoKey()), "info");
    });
    $("filters").addEventListener("submit", (event) => {
      event.preventDefault();
      load(false);
    });
    $("refresh").addEventListener("click", () => load(false));
    $("load-more").addEventListener("click", () => load(true));
    $("auto-refresh").addEventListener("change", (event) => setAutoRefresh(event.target.checked));
    $("cancel-dialog").addEventListener("close", () => {
      if ($("cancel-dialog").returnValue === "confirm") confirmCancel();
      else pendingCancel = null;
    });
    if (functionKey()) {
      $("function-key").placeholder = "key set";
      load(false);
    } else {
      notify(errorText(new NoKey()), "info");
      $("function-key").focus();
    }
  }

  start();
})();
