/* RedLens pages: table sorting, upload, model promotion, labelling and training jobs.
   Plain browser JavaScript, no libraries, nothing loaded from elsewhere. Requests go to this
   site's JSON API with the sign-in cookie (same origin, so the API's cross-site check passes);
   user content is always written with textContent, never as HTML. */
(function () {
  "use strict";

  // ------------------------------------------------------------------ helpers

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; }
      else if (key === "className") { node.className = attrs[key]; }
      else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) {
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // The page's translations of the messages below (service/web/i18n.py JS_MESSAGES), absent in English.
  var MESSAGES = (function () {
    var node = document.getElementById("js-messages");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }());

  function t(message, values) {
    return (MESSAGES[message] || message).replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && values[name] !== undefined && values[name] !== null ? String(values[name]) : "";
    });
  }

  function refusal(err) {
    return t(err.status === 403 ? "Not allowed: %(reason)s" : "Failed: %(reason)s", { reason: err.message });
  }

  function pct(value, digits) {
    if (value === null || value === undefined || isNaN(value)) { return "–"; }
    return (Number(value) * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }

  function num(value) {
    if (value === null || value === undefined) { return "–"; }
    return Number(value).toLocaleString("en-US");
  }

  function problemText(status, body) {
    if (body && typeof body === "object" && body.detail) { return body.detail; }
    return t("the server answered %(status)s", { status: status });
  }

  function requestJSON(method, url, body) {
    var options = { method: method, credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body instanceof FormData) { options.body = body; }
    else if (body !== undefined) {
      options.body = JSON.stringify(body);
      options.headers["Content-Type"] = "application/json";
    }
    return fetch(url, options).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (err) { data = null; }
        if (!response.ok) {
          var error = new Error(problemText(response.status, data));
          error.status = response.status;
          throw error;
        }
        return { status: response.status, data: data };
      });
    });
  }

  function setStatus(node, text, kind) {
    if (!node) { return; }
    node.hidden = false;
    node.textContent = text;
    node.classList.remove("ok", "bad");
    if (kind) { node.classList.add(kind); }
  }

  function pollJob(url, onProgress) {
    return new Promise(function (resolve, reject) {
      function tick() {
        requestJSON("GET", url).then(function (res) {
          var job = res.data;
          onProgress(job);
          if (job.state === "succeeded" || job.state === "failed" || job.state === "cancelled") { resolve(job); }
          else { window.setTimeout(tick, 700); }
        }).catch(reject);
      }
      tick();
    });
  }

  // ------------------------------------------------------------------ sortable tables

  function sortTable(table, index, type, direction) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-sort") || "";
      var y = b.cells[index].getAttribute("data-sort") || "";
      if (x === "" && y === "") { return 0; }
      if (x === "") { return 1; }   // unknown values last in either direction
      if (y === "") { return -1; }
      var order = type === "number" ? Number(x) - Number(y) : x.localeCompare(y, "zh-Hans-CN");
      return direction === "ascending" ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function initSortable(table) {
    var headers = $all("thead th", table);
    headers.forEach(function (th, index) {
      var button = $("button", th);
      if (!button) { return; }
      button.addEventListener("click", function () {
        var type = th.getAttribute("data-type") || "text";
        var current = th.getAttribute("aria-sort");
        var direction = current ? (current === "ascending" ? "descending" : "ascending")
          : (type === "number" ? "descending" : "ascending");
        headers.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", direction);
        sortTable(table, index, type, direction);
      });
    });
  }

  // ------------------------------------------------------------------ upload

  // The row counts of a file or of the totals, formatted for the messages' placeholders.
  function counted(figures) {
    var out = {};
    ["rows", "inserted", "updated", "unchanged", "duplicates", "rejected"].forEach(function (key) {
      out[key] = num(figures[key]);
    });
    return out;
  }

  function renderFileSummary(file) {
    var box = el("div", { className: "file-result" });
    var head = file.path + (file.format ? " · " + file.format : "") + (file.kind ? " (" + file.kind + ")" : "");
    box.appendChild(el("h3", { text: head }));
    if (file.failed) {
      box.appendChild(el("p", { className: "error", text: t("Not imported: %(reason)s", { reason: file.failed }) }));
      return box;
    }
    box.appendChild(el("p", {
      text: t("%(rows)s rows: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged, %(duplicates)s duplicates, %(rejected)s rejected",
        counted(file))
    }));
    (file.warnings || []).forEach(function (warning) {
      box.appendChild(el("p", { className: "warn small", text: warning }));
    });
    var errors = file.errors || [];
    if (errors.length) {
      var table = el("table", { className: "data compact row-errors" });
      table.appendChild(el("thead", {}, [el("tr", {}, [
        el("th", { className: "num", text: t("Line") }), el("th", { text: t("Column") }),
        el("th", { text: t("Reason") }), el("th", { text: t("Value") })
      ])]));
      var body = el("tbody");
      errors.slice(0, 500).forEach(function (err) {
        body.appendChild(el("tr", {}, [
          el("td", { className: "num", text: String(err.line) }), el("td", { text: err.column || "–" }),
          el("td", { text: err.reason }), el("td", { className: "mono", text: err.value === null || err.value === undefined ? "" : String(err.value) })
        ]));
      });
      table.appendChild(body);
      box.appendChild(el("h4", { text: t("Rows not imported") }));
      box.appendChild(table);
      var hidden = (errors.length > 500 ? errors.length - 500 : 0) + (file.errors_not_shown || 0);
      if (hidden) { box.appendChild(el("p", { className: "muted small", text: t("%(num)s more row errors not shown", { num: num(hidden) }) })); }
    }
    return box;
  }

  function renderTouched(target, touched) {
    var groups = [["kols", t("KOLs")], ["notes", t("Notes")], ["campaigns", t("Campaigns")]];
    var list = el("ul", { className: "touched", id: "upload-touched" });
    groups.forEach(function (group) {
      var items = touched[group[0]] || [];
      if (!items.length) { return; }
      var line = el("li", {}, [t("%(group)s: ", { group: group[1] })]);
      items.forEach(function (item, i) {
        if (i) { line.appendChild(document.createTextNode(", ")); }
        line.appendChild(el("a", { href: item.url, text: item.name }));
        if (item.needs_figures) {
          line.appendChild(document.createTextNode(" ("));
          line.appendChild(el("a", { href: item.url + "#kol-figures-" + item.id, className: "needs-figures",
            text: t("followers unknown: enter followers and price") }));
          line.appendChild(document.createTextNode(")"));
        }
      });
      list.appendChild(line);
    });
    if (list.childNodes.length) { target.appendChild(list); }
  }

  function renderIngest(summary) {
    var target = $("#upload-summary");
    target.textContent = "";
    var totals = summary.totals || {};
    var kept = (totals.inserted || 0) + (totals.updated || 0) + (totals.unchanged || 0);
    var counts = t("%(rows)s rows read: %(inserted)s new, %(updated)s updated, %(unchanged)s unchanged, %(duplicates)s duplicates, %(rejected)s rejected. %(analysed)s comments analysed.",
      Object.assign(counted(totals), { analysed: num(summary.comments_analyzed || 0) }));
    var head;
    if (kept === 0) {
      var why = (summary.files || []).map(function (f) {
        return t("%(path)s: %(reason)s", { path: f.path,
          reason: f.failed || (f.rows ? t("every row was rejected (see below)") : t("no data rows")) });
      });
      head = el("p", { className: "error", id: "upload-headline", text: t("Nothing imported. %(why)s", { why: why.join(" · ") }) });
    } else {
      head = el("p", { className: summary.ok && !totals.rejected ? "notice" : "warn", id: "upload-headline",
        text: t(summary.ok && !totals.rejected ? "Imported. %(counts)s" : "Imported with problems. %(counts)s", { counts: counts }) });
    }
    target.appendChild(head);
    renderTouched(target, summary.touched || {});
    (summary.files || []).forEach(function (file) { target.appendChild(renderFileSummary(file)); });
    $("#upload-result").hidden = false;
  }

  function initUpload(form) {
    var input = $("#files", form);
    var zone = $("#dropzone", form);
    var button = $("#upload-button", form);
    var list = $("#chosen-files", form);
    var progress = $("#upload-progress");
    var bar = $("progress", progress);
    var status = $(".status", progress);
    var errorBox = $("#upload-error");
    var maxFiles = Number(form.getAttribute("data-max-files") || "20");
    var files = [];

    function show() {
      list.textContent = "";
      files.forEach(function (file) {
        list.appendChild(el("li", { text: file.name + " · " + num(Math.ceil(file.size / 1024)) + " KB" }));
      });
      button.disabled = files.length === 0;
    }
    function choose(chosen) {
      files = Array.prototype.slice.call(chosen).slice(0, maxFiles);
      errorBox.hidden = true;
      show();
    }
    input.addEventListener("change", function () { choose(input.files); });
    zone.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === " ") { event.preventDefault(); input.click(); }
    });
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) { choose(event.dataTransfer.files); }
    });

    function fail(text) {
      errorBox.hidden = false;
      errorBox.textContent = text;
      progress.hidden = true;
      button.disabled = files.length === 0;
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!files.length) { return; }
      var data = new FormData();
      files.forEach(function (file) { data.append("files", file, file.name); });
      var campaign = $("#campaign", form).value.trim();
      if (campaign) { data.append("campaign", campaign); }
      button.disabled = true;
      errorBox.hidden = true;
      $("#upload-result").hidden = true;
      progress.hidden = false;
      bar.value = 0;
      status.textContent = t("Uploading…");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("data-endpoint"));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(50 * e.loaded / e.total);
          status.textContent = t("Uploading… %(done)s", { done: pct(e.loaded / e.total, 0) });
          if (e.loaded === e.total) { status.textContent = t("Importing and analysing…"); }
        }
      });
      xhr.addEventListener("load", function () {
        var body = null;
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = null; }
        if (xhr.status === 200) {
          progress.setAttribute("data-mode", "direct");
          bar.value = 100;
          status.textContent = t("Done.");
          renderIngest(body);
          files = []; input.value = ""; show();
        } else if (xhr.status === 202 && body) {
          progress.setAttribute("data-mode", "job");
          status.textContent = t("Queued as job #%(id)s…", { id: body.id });
          pollJob(body.links.self, function (job) {
            bar.value = 50 + Math.round(50 * (job.progress || 0));
            status.textContent = t("%(state)s (%(progress)s)", {
              state: job.state === "queued" ? t("Waiting to start") : (job.message || t(job.state)),
              progress: pct(job.progress || 0, 0) });
          }).then(function (job) {
            if (job.state === "succeeded") {
              bar.value = 100; status.textContent = t("Done."); renderIngest(job.result || {});
              files = []; input.value = ""; show();
            } else if (job.state === "cancelled") { fail(t("The import was cancelled: %(reason)s", { reason: job.message || "" })); }
            else { fail(t("The import failed: %(reason)s", { reason: job.message || t("unknown reason") })); }
          }).catch(function (err) { fail(t("Could not follow the import: %(reason)s", { reason: err.message })); });
        } else {
          fail(t("Upload refused: %(reason)s", { reason: problemText(xhr.status, body) }));
        }
      });
      xhr.addEventListener("error", function () { fail(t("The upload did not reach the server.")); });
      xhr.send(data);
    });
  }

  // ------------------------------------------------------------------ models

  function promoteVersion(task, version, action) {
    var url = "/v1/models/" + encodeURIComponent(version) + "/" + action + "?task=" + encodeURIComponent(task);
    return requestJSON("POST", url);
  }

  function initModels() {
    var message = $("#model-message");
    $all("button.promote, button.rollback").forEach(function (button) {
      button.addEventListener("click", function () {
        var action = button.classList.contains("rollback") ? "rollback" : "promote";
        var task = button.getAttribute("data-task");
        var version = button.getAttribute("data-version");
        button.disabled = true;
        setStatus(message, t(action === "promote" ? "Promoting %(task)s %(version)s…" : "Rolling back %(task)s %(version)s…",
          { task: t(task), version: version }));
        promoteVersion(task, version, action).then(function (res) {
          var now = { task: t(res.data.task), version: res.data.version, previous: res.data.previous_version };
          setStatus(message, t(res.data.previous_version ? "Now serving %(task)s %(version)s (was %(previous)s)."
            : "Now serving %(task)s %(version)s.", now), "ok");
          window.setTimeout(function () { window.location.reload(); }, 900);
        }).catch(function (err) {
          button.disabled = false;
          setStatus(message, refusal(err), "bad");
        });
      });
    });
  }

  // ------------------------------------------------------------------ jobs

  function initJobs(table) {
    var message = $("#jobs-message");
    $all("button.cancel-job", table).forEach(function (button) {
      button.addEventListener("click", function () {
        var id = button.getAttribute("data-job-id");
        button.disabled = true;
        setStatus(message, t("Cancelling job #%(id)s…", { id: id }));
        requestJSON("POST", "/v1/jobs/" + encodeURIComponent(id) + "/cancel").then(function (res) {
          setStatus(message, t(res.status === 202
            ? "Job #%(id)s stops at its next step; what it had written for that step is removed."
            : "Job #%(id)s is cancelled.", { id: id }), "ok");
          window.setTimeout(function () { window.location.reload(); }, 900);
        }).catch(function (err) {
          button.disabled = false;
          setStatus(message, refusal(err), "bad");
        });
      });
    });
  }

  // ------------------------------------------------------------------ labelling

  function initLabelling(queue) {
    var cards = $all(".label-card", queue);
    var status = $("#label-status");
    var total = $("#labelled-total");
    var startTraining = $("#start-training");
    var current = 0;
    var busy = false;

    function card() { return cards[current] || null; }
    function show(index) {
      cards.forEach(function (c, i) { c.hidden = i !== index; });
      current = index;
      if (index >= cards.length) { $("#queue-done").hidden = false; }
    }
    function chooseSentiment(node, value) {
      $all("[data-sentiment]", node).forEach(function (b) {
        b.setAttribute("aria-pressed", b.getAttribute("data-sentiment") === value ? "true" : "false");
      });
    }
    function toggleIntent(button) {
      button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
    }
    function save() {
      var node = card();
      if (!node || busy) { return; }
      var chosen = $("[data-sentiment][aria-pressed='true']", node);
      if (!chosen) { setStatus(status, t("Choose a sentiment first (1, 2 or 3)."), "bad"); return; }
      var intents = {};
      $all("[data-intent]", node).forEach(function (b) {
        intents[b.getAttribute("data-intent")] = b.getAttribute("aria-pressed") === "true";
      });
      busy = true;
      requestJSON("POST", queue.getAttribute("data-endpoint"), {
        comment_id: Number(node.getAttribute("data-comment-id")),
        sentiment: chosen.getAttribute("data-sentiment"),
        intents: intents
      }).then(function (res) {
        busy = false;
        node.setAttribute("data-saved", "true");
        total.textContent = String(res.data.labelled_total);
        if (startTraining) { startTraining.disabled = false; }
        setStatus(status, t("Saved (%(num)s labelled in this workspace).", { num: res.data.labelled_total }), "ok");
        show(current + 1);
      }).catch(function (err) {
        busy = false;
        setStatus(status, t("Not saved: %(reason)s", { reason: err.message }), "bad");
      });
    }
    function skip() {
      if (card()) { setStatus(status, t("Skipped.")); show(current + 1); }
    }

    cards.forEach(function (node) {
      $all("[data-sentiment]", node).forEach(function (b) {
        b.addEventListener("click", function () { chooseSentiment(node, b.getAttribute("data-sentiment")); });
      });
      $all("[data-intent]", node).forEach(function (b) {
        b.addEventListener("click", function () { toggleIntent(b); });
      });
      $(".save", node).addEventListener("click", save);
      $(".skip", node).addEventListener("click", skip);
    });

    var sentimentKeys = { "1": "positive", "2": "neutral", "3": "negative" };
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.ctrlKey || event.metaKey || event.altKey) { return; }
      if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) { return; }
      var node = card();
      if (!node) { return; }
      var key = event.key.toLowerCase();
      if (sentimentKeys[key]) { chooseSentiment(node, sentimentKeys[key]); event.preventDefault(); return; }
      if (key === "enter") { save(); event.preventDefault(); return; }
      if (key === "arrowright") { skip(); event.preventDefault(); return; }
      var toggle = $("[data-key='" + key + "']", node);
      if (toggle) { toggleIntent(toggle); event.preventDefault(); }
    });
  }

  function headline(metrics, task) {
    var out = {};
    Object.keys(metrics || {}).forEach(function (set) {
      var block = metrics[set] || {};
      var inner = task === "sentiment" ? block.sentiment : block.intents;
      if (inner && inner.macro_f1 !== undefined) { out[set] = inner.macro_f1; }
    });
    return out;
  }

  function renderTraining(job, canPromote) {
    var target = $("#training-result");
    target.textContent = "";
    var tasks = (job.result && job.result.tasks) || {};
    target.appendChild(el("p", { className: "notice", text: t(
      "Training job #%(id)s finished: %(num)s labelled rows added to the training data.",
      { id: job.id, num: num((job.result || {}).extra_rows) }) }));
    Object.keys(tasks).forEach(function (task) {
      var entry = tasks[task];
      var fresh = headline(entry.metrics, task);
      var old = headline(entry.current_metrics, task);
      var box = el("div", { className: "task-result", "data-task": task, "data-version": entry.version });
      box.appendChild(el("h3", { text: t("%(task)s: new version %(version)s", { task: t(task), version: entry.version }) }));
      var table = el("table", { className: "data compact compare" });
      table.appendChild(el("thead", {}, [el("tr", {}, [
        el("th", { text: t("Test set (macro F1)") }),
        el("th", { className: "num", text: t("current %(version)s", { version: entry.current_version || "–" }) }),
        el("th", { className: "num", text: t("new %(version)s", { version: entry.version }) }),
        el("th", { className: "num", text: t("change") })
      ])]));
      var body = el("tbody");
      Object.keys(fresh).forEach(function (set) {
        var change = old[set] === undefined ? null : fresh[set] - old[set];
        body.appendChild(el("tr", {}, [
          el("td", { text: set }), el("td", { className: "num", text: pct(old[set]) }),
          el("td", { className: "num", text: pct(fresh[set]) }),
          el("td", { className: "num " + (change === null ? "" : (change >= 0 ? "better" : "worse")),
            text: change === null ? "–" : (change >= 0 ? "+" : "") + (change * 100).toFixed(1) + " pt" })
        ]));
      });
      table.appendChild(body);
      box.appendChild(table);
      var button = el("button", { type: "button", className: "promote-new primary", text: t("Promote %(task)s %(version)s", { task: t(task), version: entry.version }) });
      var line = el("span", { className: "status-line", role: "status" });
      if (!canPromote) { button.disabled = true; button.title = t("needs the admin scope"); }
      button.addEventListener("click", function () {
        button.disabled = true;
        setStatus(line, " " + t("Promoting…"));
        promoteVersion(task, entry.version, "promote").then(function (res) {
          setStatus(line, " " + t("Now serving %(task)s %(version)s.", { task: t(res.data.task), version: res.data.version }), "ok");
          box.setAttribute("data-promoted", "true");
        }).catch(function (err) {
          button.disabled = false;
          setStatus(line, " " + refusal(err), "bad");
        });
      });
      box.appendChild(el("p", {}, [button, line]));
      target.appendChild(box);
    });
  }

  function initTraining(section) {
    var button = $("#start-training", section);
    var progress = $("#training-progress", section);
    var bar = $("progress", progress);
    var status = $(".status", progress);
    var errorBox = $("#training-error", section);
    var canPromote = section.getAttribute("data-can-promote") === "true";
    button.addEventListener("click", function () {
      var form = new FormData();
      form.append("tasks", "all");
      button.disabled = true;
      errorBox.hidden = true;
      progress.hidden = false;
      bar.value = 0;
      status.textContent = t("Starting…");
      requestJSON("POST", "/v1/training-jobs", form).then(function (res) {
        var job = res.data;
        section.setAttribute("data-job-id", String(job.id));
        return pollJob(job.links.self, function (j) {
          bar.value = Math.round(100 * (j.progress || 0));
          status.textContent = t("Job #%(id)s: %(state)s (%(progress)s)", {
            id: j.id, state: j.state === "queued" ? t("waiting to start") : (j.message || t(j.state)), progress: pct(j.progress || 0, 0)
          });
        });
      }).then(function (job) {
        button.disabled = false;
        if (job.state === "succeeded") {
          bar.value = 100;
          status.textContent = t("Job #%(id)s succeeded.", { id: job.id });
          section.setAttribute("data-job-state", "succeeded");
          renderTraining(job, canPromote);
        } else {
          section.setAttribute("data-job-state", job.state);
          errorBox.hidden = false;
          errorBox.textContent = t(job.state === "cancelled" ? "Training cancelled: %(reason)s" : "Training failed: %(reason)s",
            { reason: job.message || t("unknown reason") });
        }
      }).catch(function (err) {
        button.disabled = false;
        errorBox.hidden = false;
        errorBox.textContent = t("Could not start or follow the job: %(reason)s", { reason: err.message });
      });
    });
  }

  // ------------------------------------------------------------------ start

  document.addEventListener("DOMContentLoaded", function () {
    $all("table.sortable").forEach(initSortable);
    var upload = $("#upload-form");
    if (upload) { initUpload(upload); }
    if ($("button.promote, button.rollback")) { initModels(); }
    var jobs = $("#jobs");
    if (jobs) { initJobs(jobs); }
    var queue = $("#queue");
    if (queue) { initLabelling(queue); }
    var training = $("#training");
    if (training) { initTraining(training); }
  });
})();
