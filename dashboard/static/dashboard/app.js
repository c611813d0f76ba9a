/*
 * The logdash dashboard page: reads the cached JSON API with the session cookie.
 *
 * Every value from the API is inserted as text (textContent, createElement), never as HTML.
 * The one exception is a search highlight, and even that is not trusted: it is parsed into an
 * inert document and only its text and <mark> elements are copied over (see appendHighlight).
 * No build step: plain ES2017 that every current browser runs as it is.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("logdash-config").textContent);
  var API = config.apiRoot;
  /* Chart marks at 3:1 or more on the white card (WCAG 1.4.11; tests/dashboard/test_contrast.py checks them). */
  var LEVEL_COLORS = {
    DEBUG: "#64748b", INFO: "#3b82f6", WARNING: "#b45309",
    ERROR: "#ef4444", CRITICAL: "#9f1239", UNKNOWN: "#475569"
  };
  var charts = {};
  var timeZone = "UTC";
  var numberFormat = new Intl.NumberFormat();

  /* ---------- small DOM helpers ---------- */

  function $(id) { return document.getElementById(id); }

  function el(tag, props, children) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (key) {
      if (key === "text") node.textContent = props[key];
      else if (key === "className") node.className = props[key];
      else node.setAttribute(key, props[key]);
    });
    (children || []).forEach(function (child) {
      if (child !== null && child !== undefined) {
        node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
      }
    });
    return node;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }

  function showError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  /* One polite live region for what changed without a page load: refreshed figures, upload results. */
  function announce(message) {
    var region = $("live-status");
    if (!region) return;
    region.textContent = "";
    // A fresh text node after a tick, so a repeated message is announced again.
    window.setTimeout(function () { region.textContent = message; }, 50);
  }

  /* A button that stays focusable while it cannot be used (disabled would drop focus to <body>). */
  function setBusy(button, busy) {
    if (busy) button.setAttribute("aria-disabled", "true");
    else button.removeAttribute("aria-disabled");
  }

  function isBusy(button) { return button.getAttribute("aria-disabled") === "true"; }

  function levelBadge(level) {
    var name = String(level || "UNKNOWN");
    var known = config.levels.indexOf(name) >= 0 ? name : "UNKNOWN";
    return el("span", { className: "level level-" + known.toLowerCase(), text: name });
  }

  /* "2025-03-07 14:02:11" in the dashboard's time zone: log readers compare times, so ISO order. */
  function formatTime(iso) {
    if (!iso) return "";
    var date = new Date(iso);
    if (isNaN(date.getTime())) return String(iso);
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-CA", {
        timeZone: timeZone, year: "numeric", month: "2-digit", day: "2-digit",
        hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
      }).formatToParts(date).forEach(function (part) { parts[part.type] = part.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + " " + parts.hour + ":" + parts.minute + ":" + parts.second;
    } catch (e) {
      return date.toISOString().replace("T", " ").slice(0, 19);
    }
  }

  function timeCell(iso) {
    return el("time", { datetime: String(iso || ""), title: String(iso || ""), text: formatTime(iso) });
  }

  /* ---------- the API ---------- */

  function getCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function csrfToken() {
    // The cookie is the source of truth (it can rotate at login); the form field is the fallback.
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return getCookie("csrftoken") || (field ? field.value : "");
  }

  function goToLogin() {
    var next = window.location.pathname + window.location.search;
    window.location.assign(config.loginUrl + "?next=" + encodeURIComponent(next));
  }

  /* Turn an API error body ({"error", "detail", "fields"}) into one sentence a person can act on. */
  function describeError(status, body) {
    if (!body || typeof body !== "object") return "The server answered " + status + ".";
    // logdash's `detail` already names the field and the reason; `fields` is for forms that mark fields.
    if (body.detail) return typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail);
    var fields = body.fields || body;
    var parts = Object.keys(fields).filter(function (name) { return name !== "error"; }).map(function (name) {
      var value = fields[name];
      return name + ": " + (Array.isArray(value) ? value.join(" ") : String(value));
    });
    return parts.length ? parts.join(" ") : "The server answered " + status + ".";
  }

  /* Only "not logged in" goes back to the login page: a 403 for a logged-in person would loop. */
  function sessionEnded(status, body) {
    return status === 401 || (status === 403 && body && body.error === "not_authenticated");
  }

  function getJSON(path, params) {
    var url = API + path;
    var query = new URLSearchParams();
    Object.keys(params || {}).forEach(function (key) {
      if (params[key] !== "" && params[key] !== null && params[key] !== undefined) query.set(key, params[key]);
    });
    if (query.toString()) url += "?" + query.toString();
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (sessionEnded(response.status, body)) {
            goToLogin();
            throw new Error("Your session has ended; log in again.");
          }
          if (!response.ok) throw new Error(describeError(response.status, body));
          return { body: body, cache: response.headers.get("X-Cache"), key: response.headers.get("X-Cache-Key") };
        });
      });
  }

  /* ---------- charts ---------- */

  var reducedMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  /* Chart.js loads asynchronously (the KPIs do not wait for it): draws asked for before it arrives wait here. */
  var pendingCharts = {};
  var chartsFailed = false;

  function chartLibraryReady() {
    if (!window.Chart) return;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    window.Chart.defaults.color = "#475569";
    Object.keys(pendingCharts).forEach(function (id) {
      var args = pendingCharts[id];
      delete pendingCharts[id];
      drawChart.apply(null, args);
    });
  }

  function chartLibraryFailed() {
    if (window.Chart || chartsFailed) return;
    chartsFailed = true;
    Object.keys(pendingCharts).forEach(function (id) {
      delete pendingCharts[id];
      var canvas = $(id);
      if (canvas) {
        canvas.replaceWith(el("p", { className: "muted",
          text: "Chart unavailable (the data is in the table below): " + canvas.getAttribute("aria-label") }));
      }
    });
  }

  /* The chart's figures as a table in a <details> under it: readable without a mouse or eyes on the canvas. */
  function renderChartTable(id, caption, headers, rows) {
    var canvas = $(id);
    var box = canvas ? canvas.closest(".chart-box") : document.querySelector("[data-chart-table=" + id + "]");
    var details = document.querySelector("details[data-chart-table=" + id + "]");
    if (!details) {
      details = el("details", { className: "chart-data", "data-chart-table": id }, [
        el("summary", { text: "Show the data as a table" })
      ]);
      if (box) box.insertAdjacentElement("afterend", details);
    }
    var old = details.querySelector("table");
    if (old) old.remove();
    details.appendChild(el("table", {}, [
      el("caption", { className: "visually-hidden", text: caption }),
      el("thead", {}, [el("tr", {}, headers.map(function (h) { return el("th", { scope: "col", text: h }); }))]),
      el("tbody", {}, rows.map(function (row) {
        return el("tr", {}, [el("th", { scope: "row", text: String(row[0]) }),
          el("td", { text: String(row[1]) })]);
      }))
    ]));
  }

  function drawChart(id, type, labels, datasets, options) {
    var canvas = $(id);
    if (!canvas) return;
    if (!window.Chart) {
      if (chartsFailed) return;
      pendingCharts[id] = [id, type, labels, datasets, options];
      return;
    }
    if (charts[id]) {
      charts[id].data.labels = labels;
      charts[id].data.datasets = datasets;
      charts[id].update();
      return;
    }
    charts[id] = new window.Chart(canvas, {
      type: type,
      data: { labels: labels, datasets: datasets },
      options: Object.assign({
        responsive: true,
        maintainAspectRatio: false,
        animation: reducedMotion ? false : { duration: 300 },
        plugins: { legend: { display: false } },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } }, x: { grid: { display: false } } }
      }, options || {})
    });
  }

  function describeSeries(title, labels, values) {
    return title + ": " + labels.map(function (label, i) { return label + " " + values[i]; }).join(", ");
  }

  function shortDay(isoDate) {
    // "2025-03-07" -> "Fri 7" in the dashboard's time zone (the dates are already local to it).
    var date = new Date(isoDate + "T12:00:00Z");
    if (isNaN(date.getTime())) return isoDate;
    return new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", timeZone: "UTC" }).format(date);
  }

  function drawPerDay(perDay) {
    var labels = perDay.map(function (d) { return shortDay(d.date); });
    var values = perDay.map(function (d) { return d.count; });
    $("chart-per-day").setAttribute("aria-label", describeSeries("Logs per day", perDay.map(function (d) {
      return d.date;
    }), values));
    renderChartTable("chart-per-day", "Logs per day, last 7 days", ["Day", "Logs"], perDay.map(function (d) {
      return [d.date, numberFormat.format(d.count)];
    }));
    drawChart("chart-per-day", "bar", labels, [{
      label: "Logs", data: values, backgroundColor: "#3b82f6", borderRadius: 4, maxBarThickness: 48
    }]);
  }

  function drawLevels(byLevel) {
    var levels = config.levels.filter(function (level) { return level in byLevel; });
    Object.keys(byLevel).forEach(function (level) { if (levels.indexOf(level) < 0) levels.push(level); });
    var values = levels.map(function (level) { return byLevel[level]; });
    $("chart-levels").setAttribute("aria-label", describeSeries("Logs by level", levels, values));
    renderChartTable("chart-levels", "Logs by level", ["Level", "Logs"], levels.map(function (level, i) {
      return [level, numberFormat.format(values[i])];
    }));
    drawChart("chart-levels", "bar", levels, [{
      label: "Logs", data: values, borderRadius: 4, maxBarThickness: 28,
      backgroundColor: levels.map(function (level) { return LEVEL_COLORS[level] || "#64748b"; })
    }], {
      indexAxis: "y",
      scales: { x: { beginAtZero: true, ticks: { precision: 0 } }, y: { grid: { display: false } } }
    });
  }

  /* ---------- the dashboard KPIs ---------- */

  function renderRecent(entries) {
    var body = $("recent-logs-body");
    clear(body);
    if (!entries.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: "5", className: "empty", text: "No logs yet: upload a file." })]));
      return;
    }
    entries.forEach(function (entry) {
      body.appendChild(el("tr", {}, [
        el("td", { className: "nowrap" }, [timeCell(entry.timestamp)]),
        el("td", {}, [levelBadge(entry.level)]),
        el("td", { className: "source", text: entry.source || entry.host || "" }),
        el("td", { className: "hide-sm", text: entry.product || "" }),
        el("td", { className: "message", text: entry.message || "" })
      ]));
    });
  }

  function renderCacheState(state, key) {
    var badge = $("cache-state");
    var value = (state || "").toUpperCase();
    badge.textContent = "cache " + (value || "–");
    badge.setAttribute("data-state", value);
    badge.title = "X-Cache of /api/dashboard: " + (value || "not sent") + (key ? " (" + key + ")" : "");
  }

  function loadDashboard(announceResult) {
    var kpis = $("kpis");
    kpis.setAttribute("aria-busy", "true");
    return getJSON("dashboard").then(function (result) {
      var data = result.body;
      timeZone = data.time_zone || "UTC";
      showError($("dashboard-error"), "");
      document.querySelectorAll("[data-kpi]").forEach(function (node) {
        var value = data[node.getAttribute("data-kpi")];
        node.textContent = typeof value === "number" ? numberFormat.format(value) : "–";
      });
      $("generated-at").textContent = "Updated " + formatTime(data.generated_at) + " " + timeZone;
      renderCacheState(result.cache, result.key);
      drawPerDay(data.logs_per_day || []);
      drawLevels(data.logs_by_level || {});
      renderRecent(data.recent_logs || []);
      if (announceResult) {
        announce("Figures updated: " + ["total_logs", "logs_today", "error_logs", "files_uploaded"].map(function (key) {
          var node = document.querySelector("[data-kpi=" + key + "]");
          return node.previousElementSibling.firstChild.textContent.trim() + " " + node.textContent;
        }).join(", ") + ".");
      }
    }).catch(function (error) {
      showError($("dashboard-error"), "The dashboard could not be loaded. " + error.message);
      if (announceResult) announce("The dashboard could not be refreshed.");
    }).then(function () {
      kpis.setAttribute("aria-busy", "false");
    });
  }

  /* ---------- trends ---------- */

  function renderVolume(rows) {
    var list = $("volume-per-source");
    clear(list);
    if (!rows.length) { list.appendChild(el("li", { className: "empty", text: "No data." })); return; }
    var top = rows.slice(0, 8);
    var max = Math.max.apply(null, top.map(function (r) { return r.count; })) || 1;
    top.forEach(function (row) {
      var bar = el("span", { className: "bar-fill" });
      bar.style.width = Math.max(2, Math.round((row.count / max) * 100)) + "%";
      list.appendChild(el("li", {}, [
        el("span", { className: "bar-label", text: row.source || "(none)", title: row.source || "" }),
        el("span", { className: "bar-track", "aria-hidden": "true" }, [bar]),
        el("span", { className: "bar-value", text: numberFormat.format(row.count) })
      ]));
    });
  }

  function renderTopErrors(rows) {
    var list = $("top-errors");
    clear(list);
    if (!rows.length) { list.appendChild(el("li", { className: "empty", text: "No errors in this period." })); return; }
    rows.slice(0, 10).forEach(function (row) {
      list.appendChild(el("li", {}, [
        el("span", { className: "count", text: numberFormat.format(row.count) + "×" }),
        el("span", { className: "pattern", text: row.example || row.pattern || "", title: row.pattern || "" }),
        el("span", { className: "meta" }, [row.source || "", row.last_seen ? " · last " : "",
          row.last_seen ? timeCell(row.last_seen) : null])
      ]));
    });
  }

  function loadTrends() {
    return getJSON("analytics/trends", { days: 7 }).then(function (result) {
      var data = result.body;
      showError($("trends-error"), "");
      var perDay = data.error_rate_per_day || [];
      // error_rate is already a percentage (0-100, two decimals) in the API.
      var rates = perDay.map(function (d) { return d.error_rate || 0; });
      $("chart-error-rate").setAttribute("aria-label", describeSeries("Error rate per day (percent)",
        perDay.map(function (d) { return d.date; }), rates));
      renderChartTable("chart-error-rate", "Error rate per day, last 7 days", ["Day", "Error rate"],
        perDay.map(function (d, i) { return [d.date, rates[i] + " %"]; }));
      drawChart("chart-error-rate", "line", perDay.map(function (d) { return shortDay(d.date); }), [{
        label: "Error rate %", data: rates, borderColor: "#ef4444", backgroundColor: "rgba(239,68,68,.12)",
        fill: true, cubicInterpolationMode: "monotone", pointRadius: 3
      }], { scales: { y: { beginAtZero: true, ticks: { callback: function (v) { return v + " %"; } } },
        x: { grid: { display: false } } } });
      renderVolume(data.volume_per_source || []);
      renderTopErrors(data.top_error_messages || []);
      $("trends-body").hidden = false;
    }).catch(function (error) {
      showError($("trends-error"), "Trends could not be loaded. " + error.message);
      $("trends-body").hidden = true;
    });
  }

  /* ---------- top patterns ---------- */

  function patternLink(row) {
    var link = el("a", { href: "?pattern_id=" + encodeURIComponent(row.pattern_id) + "#search-card",
      className: "message", text: row.pattern || "(empty message)", title: row.example ? row.example.message : "" });
    link.addEventListener("click", function (event) {
      event.preventDefault();
      searchPattern(row.pattern_id, row.pattern);
    });
    return link;
  }

  function renderPatterns(rows) {
    var body = $("top-patterns-body");
    clear(body);
    if (!rows.length) {
      body.appendChild(el("tr", {}, [el("td", { colspan: "5", className: "empty", text: "No logs yet: upload a file." })]));
      return;
    }
    rows.forEach(function (row) {
      var levels = Object.keys(row.levels || {}).map(function (level) {
        return el("span", {}, [levelBadge(level), " " + numberFormat.format(row.levels[level]) + " "]);
      });
      body.appendChild(el("tr", {}, [
        el("td", { className: "message" }, [patternLink(row)]),
        el("td", { className: "nowrap", text: numberFormat.format(row.count) }),
        el("td", { className: "hide-sm" }, levels),
        el("td", { className: "nowrap hide-sm" }, [timeCell(row.first_seen)]),
        el("td", { className: "nowrap" }, [timeCell(row.last_seen)])
      ]));
    });
  }

  function loadPatterns() {
    return getJSON("analytics/patterns", { size: 10 }).then(function (result) {
      showError($("patterns-error"), "");
      renderPatterns(result.body.results || []);
    }).catch(function (error) {
      showError($("patterns-error"), "Patterns could not be loaded. " + error.message);
    });
  }

  /* ---------- products ---------- */

  function loadProducts() {
    return getJSON("products").then(function (result) {
      var products = Array.isArray(result.body) ? result.body : (result.body && result.body.results) || [];
      document.querySelectorAll("select[data-products]").forEach(function (select) {
        var chosen = select.value;
        while (select.options.length > 1) select.remove(1);
        products.forEach(function (product) {
          select.appendChild(el("option", { value: product.slug, text: product.name || product.slug }));
        });
        select.value = chosen;
        select.disabled = false;
      });
    }).catch(function () {
      // Products are optional: without them the selects keep their "none" choice.
    });
  }

  /* ---------- search ---------- */

  var searchState = { params: null, cursor: null };

  /* Copy text and <mark> elements of the API's highlight into `target`; drop anything else. */
  function appendHighlight(target, html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    (function copy(from, to) {
      Array.prototype.forEach.call(from.childNodes, function (node) {
        if (node.nodeType === Node.TEXT_NODE) {
          to.appendChild(document.createTextNode(node.nodeValue));
        } else if (node.nodeType === Node.ELEMENT_NODE) {
          if (node.nodeName === "MARK") {
            var mark = document.createElement("mark");
            copy(node, mark);
            to.appendChild(mark);
          } else {
            copy(node, to);
          }
        }
      });
    })(doc.body, target);
  }

  function renderResult(entry) {
    var message = el("p", { className: "message" });
    if (entry.highlight) appendHighlight(message, entry.highlight);
    else message.textContent = entry.message || "";
    var meta = el("div", { className: "result-meta" }, [
      levelBadge(entry.level), timeCell(entry.timestamp),
      entry.source ? el("span", { className: "source", text: entry.source }) : null,
      entry.product ? el("span", { className: "tag", text: entry.product }) : null
    ]);
    return el("li", { className: "result" }, [meta, message]);
  }

  function readSearchForm() {
    var form = $("search-form");
    var levels = Array.prototype.map.call(form.querySelectorAll("input[name=level]:checked"), function (box) {
      return box.value;
    });
    return {
      q: form.elements.q.value.trim(), level: levels.join(","),
      source: form.elements.source.value.trim(), product: form.elements.product.value,
      pattern_id: form.elements.pattern_id.value, size: 20
    };
  }

  /* Search the lines of one pattern (from the Top patterns table or a shared URL). */
  function showPatternFilter(patternId, text) {
    $("search-pattern-id").value = patternId || "";
    $("search-pattern-text").textContent = text || patternId || "";
    $("search-pattern-note").hidden = !patternId;
  }

  function searchPattern(patternId, text) {
    showPatternFilter(patternId, text);
    $("search-q").value = "";
    submitSearch();
    $("search-card").scrollIntoView({ block: "start" });
    $("search-q").focus({ preventScroll: true });
  }

  function runSearch(append) {
    var status = $("search-status");
    var list = $("search-results");
    var more = $("search-more");
    var params = Object.assign({}, searchState.params);
    if (append && searchState.cursor) params.cursor = searchState.cursor;
    status.textContent = "Searching…";
    setBusy(more, true);
    return getJSON("search", params).then(function (result) {
      var data = result.body;
      if (!append) clear(list);
      var firstNew = list.children.length;
      (data.results || []).forEach(function (entry) { list.appendChild(renderResult(entry)); });
      searchState.cursor = data.next_cursor || null;
      var shown = list.children.length;
      status.textContent = data.total
        ? "Showing " + numberFormat.format(shown) + " of " + numberFormat.format(data.total) + " matching logs" +
          (result.cache ? " · cache " + result.cache : "")
        : "No logs match.";
      var hadFocus = document.activeElement === more;
      more.hidden = !searchState.cursor || shown >= data.total;
      // The last "Load more" hides itself: move focus to the first row it loaded, not to <body>.
      if (append && more.hidden && hadFocus && list.children[firstNew]) {
        list.children[firstNew].setAttribute("tabindex", "-1");
        list.children[firstNew].focus();
      }
    }).catch(function (error) {
      status.textContent = "Search failed. " + error.message;
    }).then(function () {
      setBusy(more, false);
    });
  }

  function syncSearchUrl(params) {
    var query = new URLSearchParams();
    ["q", "level", "source", "product", "pattern_id"].forEach(function (key) {
      if (params[key]) query.set(key, params[key]);
    });
    var url = window.location.pathname + (query.toString() ? "?" + query.toString() : "");
    window.history.replaceState(null, "", url);
  }

  function restoreSearchFromUrl() {
    var query = new URLSearchParams(window.location.search);
    var form = $("search-form");
    if (!["q", "level", "source", "product", "pattern_id"].some(function (key) { return query.get(key); })) return false;
    form.elements.q.value = query.get("q") || "";
    showPatternFilter(query.get("pattern_id"), query.get("pattern_id"));
    form.elements.source.value = query.get("source") || "";
    var levels = (query.get("level") || "").split(",");
    form.querySelectorAll("input[name=level]").forEach(function (box) { box.checked = levels.indexOf(box.value) >= 0; });
    if (query.get("product")) {
      form.elements.product.appendChild(el("option", { value: query.get("product"), text: query.get("product") }));
      form.elements.product.value = query.get("product");
    }
    if (query.get("level") || query.get("source") || query.get("product")) form.querySelector("details").open = true;
    return true;
  }

  function submitSearch(event) {
    if (event) event.preventDefault();
    searchState.params = readSearchForm();
    searchState.cursor = null;
    syncSearchUrl(searchState.params);
    runSearch(false);
  }

  /* ---------- upload ---------- */

  function setProgress(percent, label) {
    var bar = $("upload-progress");
    if (percent === null) bar.removeAttribute("value"); // indeterminate: the server is indexing
    else bar.value = percent;
    $("upload-progress-label").textContent = label;
  }

  function renderUploadResult(data) {
    var status = $("upload-status");
    clear(status);
    var items = [
      ["Format", data.detected_format], ["Lines read", data.lines_read],
      ["Indexed", data.lines_indexed], ["Unparsed", data.lines_unparsed], ["Status", data.status],
      ["Layout", data.layout_description], ["With a timestamp", percent(data.timestamp_share)],
      ["With a level", percent(data.level_share)]
    ];
    status.appendChild(el("p", { className: "alert alert-ok", text: "Uploaded " + (data.filename || "the file") + "." }));
    status.appendChild(el("dl", { className: "upload-summary" }, items.reduce(function (nodes, item) {
      nodes.push(el("dt", { text: item[0] }));
      nodes.push(el("dd", { text: typeof item[1] === "number" ? numberFormat.format(item[1]) : String(item[1] || "–") }));
      return nodes;
    }, [])));
    var unmatched = data.unmatched_lines || [];
    if (unmatched.length) {
      status.appendChild(el("p", { text: "First lines that matched nothing:" }));
      status.appendChild(el("pre", { className: "upload-unmatched", text: unmatched.map(function (entry) {
        return entry.line + ": " + entry.text;
      }).join("\n") }));
    }
  }

  function percent(share) {
    return share === null || share === undefined ? "–" : (100 * share).toFixed(1) + " %";
  }

  function uploadDone(body) {
    var form = $("upload-form");
    setProgress(100, "Done");
    renderUploadResult(body);
    announce("Uploaded " + (body.filename || "the file") + ": " +
      numberFormat.format(body.lines_indexed || 0) + " lines indexed.");
    form.elements.file.value = "";
    loadDashboard();
    loadTrends();
    loadPatterns();
  }

  function uploadFailed(message) {
    var status = $("upload-status");
    $("upload-progress-wrap").hidden = true;
    clear(status);
    status.appendChild(el("p", { className: "alert alert-error", text: message }));
    announce(message);
  }

  /* The job's progress (GET /api/uploads/<id>), every second until it is complete or failed. */
  function followJob(id) {
    var submit = $("upload-submit");
    setBusy(submit, true);
    getJSON("uploads/" + id).then(function (answer) {
      var job = answer.body || {};
      if (job.status === "complete") {
        setBusy(submit, false);
        uploadDone(job);
      } else if (job.status === "failed") {
        setBusy(submit, false);
        uploadFailed("The upload failed: " + (job.error || "no reason given."));
      } else {
        var label = job.status === "queued" ? "Queued…" : "Indexing: " + Math.floor(job.percent) + " % · " +
          numberFormat.format(job.lines_indexed || 0) + " lines";
        setProgress(job.status === "queued" ? null : job.percent, label);
        window.setTimeout(function () { followJob(id); }, 1000);
      }
    }).catch(function (error) {
      setBusy(submit, false);
      uploadFailed("Could not follow the upload: " + error.message);
    });
  }

  function submitUpload(event) {
    event.preventDefault();
    if (isBusy($("upload-submit"))) return;
    var form = $("upload-form");
    var file = form.elements.file.files[0];
    var status = $("upload-status");
    if (!file) { status.textContent = "Choose a log file first."; return; }
    var data = new FormData();
    data.append("file", file);
    if (form.elements.product.value) data.append("product", form.elements.product.value);

    var xhr = new XMLHttpRequest();
    xhr.open("POST", API + "upload");
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round((e.loaded / e.total) * 100);
        setProgress(percent, percent + " %");
      }
    });
    xhr.upload.addEventListener("load", function () { setProgress(null, "Queued…"); });
    xhr.addEventListener("load", function () {
      var body = xhr.response;
      if (sessionEnded(xhr.status, body)) {
        goToLogin();
      } else if (xhr.status === 202 && body && body.id) {
        followJob(body.id);  // stored and queued: a worker indexes it; follow its progress
      } else if (xhr.status === 201 || xhr.status === 200) {
        uploadDone(body || {});
      } else {
        uploadFailed("Upload failed (" + xhr.status + "). " + describeError(xhr.status, body));
      }
    });
    xhr.addEventListener("error", function () {
      $("upload-progress-wrap").hidden = true;
      status.textContent = "The upload did not reach the server; check the connection and try again.";
      announce(status.textContent);
    });
    xhr.addEventListener("loadend", function () {
      if (xhr.status !== 202) setBusy($("upload-submit"), false);  // a followed job ends the busy state itself
      form.setAttribute("aria-busy", "false");
    });

    clear(status);
    $("upload-progress-wrap").hidden = false;
    setProgress(0, "0 %");
    setBusy($("upload-submit"), true);
    form.setAttribute("aria-busy", "true");
    xhr.send(data);
  }

  /* ---------- start ---------- */

  function start() {
    var chartScript = $("chartjs-script");
    if (chartScript) {
      chartScript.addEventListener("load", chartLibraryReady);
      chartScript.addEventListener("error", chartLibraryFailed);
    }
    // Every async script has run by the window's load event: Chart.js arrived, or it never will.
    window.addEventListener("load", function () { if (window.Chart) chartLibraryReady(); else chartLibraryFailed(); });
    if (window.Chart) chartLibraryReady();
    $("refresh-dashboard").addEventListener("click", function () { loadDashboard(true); loadTrends(); loadPatterns(); });
    $("search-pattern-clear").addEventListener("click", function () { showPatternFilter(""); submitSearch(); });
    $("search-form").addEventListener("submit", submitSearch);
    $("search-more").addEventListener("click", function () { if (!isBusy($("search-more"))) runSearch(true); });
    $("upload-form").addEventListener("submit", submitUpload);
    var restored = restoreSearchFromUrl();
    loadDashboard();
    loadProducts();
    loadTrends();
    loadPatterns();
    if (restored) submitSearch();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
