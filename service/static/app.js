// hakb chat page. Plain browser JavaScript, no build step, nothing loaded from elsewhere.
// Everything from the server is put on the page with textContent, never as HTML.
"use strict";

(function () {
  const { el, copyText } = window.hakbDom; // dom.js
  const KEY_STORAGE = "hakb.apiKey";
  const HISTORY_LIMIT = 50;

  const $ = (id) => document.getElementById(id);
  const els = {
    status: $("status"),
    keyButton: $("key-button"),
    conversation: $("conversation"),
    emptyHint: $("empty-hint"),
    askForm: $("ask-form"),
    question: $("question"),
    askButton: $("ask-button"),
    askError: $("ask-error"),
    portsButton: $("ports-button"),
    portsView: $("ports-view"),
    portsStatus: $("ports-status"),
    platformForm: $("platform-form"),
    platformModel: $("platform-model"),
    platformResult: $("platform-result"),
    platformStatus: $("platform-status"),
    keyDialog: $("key-dialog"),
    keyForm: $("key-form"),
    keyInput: $("key-input"),
    keyError: $("key-error"),
    keyForget: $("key-forget"),
    keyCancel: $("key-cancel"),
    scopeProduct: $("scope-product"),
    scopeDeployment: $("scope-deployment"),
    scopeVersion: $("scope-version"),
    scopeClear: $("scope-clear"),
  };
  const SCOPE_STORAGE = "hakb.scope";
  const COMMENT_MAX = 1000; // what POST /v1/feedback keeps of a comment
  const NEAREST_MAX = 5;
  const LONG_ANSWER = 160; // characters: a longer answer is not set in bold
  const LONG_VALUE = 60; // likewise for a fact's value in a table

  const history = []; // questions asked, oldest first
  let historyIndex = -1; // position while recalling with Up/Down; -1: not recalling
  let busy = false;

  // ---------- small DOM helpers (el, copyText: dom.js) ----------

  // Only web links become clickable; anything else (javascript:, data:) stays plain text.
  function safeUrl(url) {
    if (!url) return null;
    try {
      const parsed = new URL(url, window.location.href);
      return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function sourceLink(title, url) {
    const href = safeUrl(url);
    const label = title || url || "source";
    return href
      ? el("a", { href, target: "_blank", rel: "noopener noreferrer", class: "source-link" }, label)
      : el("span", { class: "source-title" }, label);
  }

  function formatMs(ms) {
    if (typeof ms !== "number" || !isFinite(ms)) return "";
    if (ms >= 1000) return (ms / 1000).toFixed(1) + " s";
    return ms < 10 ? ms.toFixed(1) + " ms" : Math.round(ms) + " ms";
  }

  // ---------- API access, with the key prompt and readable errors ----------

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  function storedKey() {
    try {
      return window.localStorage.getItem(KEY_STORAGE) || "";
    } catch (_) {
      return ""; // storage disabled: the key lives only as long as the page
    }
  }

  let sessionKey = "";
  function currentKey() {
    return storedKey() || sessionKey;
  }

  function saveKey(key) {
    sessionKey = key;
    try {
      window.localStorage.setItem(KEY_STORAGE, key);
    } catch (_) {
      /* kept in memory only */
    }
    els.keyButton.hidden = false;
  }

  function forgetKey() {
    sessionKey = "";
    try {
      window.localStorage.removeItem(KEY_STORAGE);
    } catch (_) {
      /* nothing stored */
    }
  }

  function explain(status, body) {
    // Today's {error, message}; an RFC 9457 problem's `detail` does as well.
    const message = body && typeof body.message === "string" ? body.message
      : body && typeof body.detail === "string" ? body.detail : "";
    const code = body && typeof body.error === "string" ? body.error : "";
    if (status === 503) {
      if (code === "not_ready") {
        return "The service is still loading its documents, so it cannot answer yet. Try again in a moment." +
          (message ? " (" + message + ")" : "");
      }
      return "The service is temporarily unavailable" + (message ? ": " + message : ".") + " Try again in a moment.";
    }
    if (status === 422) return message ? "That request was not accepted: " + message : "That request was not accepted.";
    if (status === 401) return "This service needs a valid API key." + (message ? " (" + message + ")" : "");
    if (status === 404) return message || "Not found.";
    if (status === 413) return message || "That is too long for the service to accept.";
    if (status === 429) return "Too many requests: wait a little and try again.";
    if (status >= 500) return "The service had a problem answering" + (message ? ": " + message : ".") + " Try again.";
    return message || "The service answered with HTTP " + status + ".";
  }

  async function callOnce(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const key = currentKey();
    if (key) headers["Authorization"] = "Bearer " + key;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
      });
    } catch (_) {
      throw new ApiError(0, "network",
        "Could not reach the hakb service. Check your connection, or whether the server is running, and try again.");
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch (_) {
        data = null; // a proxy's HTML error page, say: explained by status below
      }
    }
    if (!response.ok) {
      throw new ApiError(response.status, (data && data.error) || "http_" + response.status, explain(response.status, data));
    }
    return data;
  }

  // Calls the API; on 401 asks for a key and tries again with it, until it works or the user cancels.
  async function api(method, path, body) {
    let rejected = false;
    for (;;) {
      try {
        return await callOnce(method, path, body);
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err;
        const key = await askForKey(rejected || currentKey() ? "That key was not accepted. Check it and try again." : "");
        if (!key) {
          throw new ApiError(401, "unauthorized",
            "This service needs an API key. Use the “API key” button at the top of the page to enter one.");
        }
        rejected = true;
      }
    }
  }

  // ---------- API-key dialog ----------

  let keyResolve = null;
  let keyPromise = null;

  // One prompt at a time: calls that hit a 401 while it is open wait for the same key.
  function askForKey(problem) {
    if (keyPromise) {
      if (problem) els.keyError.textContent = problem;
      return keyPromise;
    }
    els.keyError.textContent = problem || "";
    els.keyInput.value = "";
    els.keyForget.hidden = !storedKey();
    els.keyButton.hidden = false;
    keyPromise = new Promise((resolve) => {
      keyResolve = resolve;
    });
    if (!els.keyDialog.open) els.keyDialog.showModal();
    els.keyInput.focus();
    return keyPromise;
  }

  function closeKeyDialog(key) {
    const resolve = keyResolve;
    keyResolve = null;
    keyPromise = null;
    if (els.keyDialog.open) els.keyDialog.close();
    if (resolve) resolve(key);
  }

  els.keyForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = els.keyInput.value.trim();
    if (!key) {
      els.keyError.textContent = "Type the key first.";
      els.keyInput.focus();
      return;
    }
    saveKey(key);
    closeKeyDialog(key);
  });
  els.keyCancel.addEventListener("click", () => closeKeyDialog(null));
  els.keyForget.addEventListener("click", () => {
    forgetKey();
    els.keyForget.hidden = true;
    els.keyError.textContent = "The saved key was removed from this browser.";
    els.keyInput.focus();
  });
  // Escape closes a modal dialog by itself; treat it as Cancel.
  els.keyDialog.addEventListener("cancel", () => closeKeyDialog(null));
  els.keyDialog.addEventListener("close", () => {
    if (keyResolve) closeKeyDialog(null);
  });
  els.keyButton.addEventListener("click", () => {
    askForKey("").then((key) => {
      if (key) setStatusReady();
    });
  });

  // ---------- service status ----------

  let readyText = "";
  function setStatusReady() {
    if (readyText) els.status.textContent = readyText;
  }

  async function checkReady() {
    try {
      const response = await fetch("/readyz", { cache: "no-store" });
      const data = await response.json().catch(() => null);
      if (response.ok && data) {
        readyText = "Ready · " + data.documents + " documents, " + data.facts + " facts";
        els.status.textContent = readyText;
        els.status.className = "status ready";
        els.status.title = "build " + (data.build_id || "");
      } else {
        els.status.textContent = "Loading documents… answers will be available shortly.";
        els.status.className = "status loading";
        window.setTimeout(checkReady, 3000);
      }
    } catch (_) {
      els.status.textContent = "Cannot reach the service.";
      els.status.className = "status down";
      window.setTimeout(checkReady, 5000);
    }
  }

  // ---------- rendering an answer ----------

  function factValue(f) {
    let value = f.value;
    if (f.protocol && f.attribute === "port" && !value.toUpperCase().includes(f.protocol.toUpperCase())) {
      value = f.protocol + " " + value;
    }
    return value;
  }

  // The section as worth showing: without the page title it starts with, and nothing at all
  // when it only repeats the title ("HA Links and Backup Links > Data Link" -> "Data Link").
  function sectionBeyondTitle(title, section) {
    let rest = (section || "").trim();
    const head = (title || "").trim();
    if (!head) return rest;
    if (rest.toLowerCase() === head.toLowerCase()) return "";
    const prefix = head.toLowerCase() + " > ";
    if (rest.toLowerCase().startsWith(prefix)) rest = rest.slice(prefix.length);
    return rest.toLowerCase() === head.toLowerCase() ? "" : rest;
  }

  // What a quote holds for, as the API's Citation.scope_label writes it; Facts carry the
  // scope without the label, so it is read here from the same fields.
  function scopeText(scope, version) {
    if (!scope) return version || "";
    const product = scope.product_name || scope.product || "";
    const where = scope.deployment_name || scope.deployment || "";
    const productLabel = where ? (product + " on " + where).trim() : product;
    const versions = [...(scope.versions || [])];
    if (scope.since) versions.push(scope.since + " & later");
    let versionLabel = "";
    if (versions.length) {
      if (scope.latest && !scope.since) versions.push("current");
      versionLabel = "PAN-OS " + versions.join(", ");
    } else if (scope.latest) {
      versionLabel = "current docs";
    }
    return [productLabel, versionLabel].filter(Boolean).join(" · ") || version || "";
  }

  const NO_SCOPE = "product and version not stated";

  function citationScope(c) {
    return (c && (c.scope_label || scopeText(c.scope, c.version))) || NO_SCOPE;
  }

  function sameText(text) {
    return String(text || "").toLowerCase().replace(/\s+/g, " ").replace(/[.;,]+$/, "").trim();
  }

  // Several documents (or versions of one page) often state the same fact: one row each,
  // with every source that states it.
  function distinctFacts(facts) {
    const rows = new Map();
    for (const f of facts) {
      const key = [f.subject, f.attribute, sameText(factValue(f)), sameText(f.qualifier),
        [...(f.platforms || [])].sort().join("|")].join("\u0000");
      const row = rows.get(key);
      if (!row) {
        rows.set(key, { fact: f, conflict: !!f.conflict, sources: [f] });
        continue;
      }
      row.conflict = row.conflict || !!f.conflict;
      const label = citationScope(f);
      if (!row.sources.some((s) => s.title === f.title && s.url === f.url && citationScope(s) === label)) {
        row.sources.push(f);
      }
    }
    return [...rows.values()];
  }

  function sourceWithScope(c) {
    return el("span", { class: "fact-source" },
      sourceLink(c.title, c.url),
      el("span", { class: "scope" }, citationScope(c)));
  }

  // Qualifier and Platforms are shown only when a row has one: empty columns squeeze the sources.
  function factsTable(facts, caption) {
    const distinct = distinctFacts(facts);
    const columns = [
      ["Subject", (r) => r.fact.subject],
      ["Attribute", (r) => r.fact.attribute],
      ["Value", null],
      ["Qualifier", (r) => r.fact.qualifier || ""],
      ["Platforms", (r) => (r.fact.platforms || []).join(", ")],
      ["Source", null],
    ].filter(([name, text]) => !["Qualifier", "Platforms"].includes(name) || distinct.some((r) => text(r)));
    const cell = (name, text, r) => {
      if (name === "Value") {
        const value = factValue(r.fact);
        // A whole sentence as a value (a platform constraint) reads better unbolded.
        return el("td", { "data-label": "Value", class: value.length > LONG_VALUE ? "value long" : "value" }, value,
          r.conflict ? el("span", { class: "badge warn", title: "Another document gives a different value" }, "differs") : null);
      }
      if (name === "Source") {
        return el("td", { "data-label": r.sources.length > 1 ? "Sources" : "Source" }, ...r.sources.map(sourceWithScope));
      }
      return el("td", { "data-label": name }, text(r));
    };
    const rows = distinct.map((r) =>
      el("tr", { class: r.conflict ? "conflict" : null }, ...columns.map(([name, text]) => cell(name, text, r))));
    return el("div", { class: "table-wrap" },
      el("table", { class: "facts" },
        el("caption", { class: "visually-hidden" }, caption),
        el("thead", {}, el("tr", {}, ...columns.map(([name]) => el("th", { scope: "col" }, name)))),
        el("tbody", {}, ...rows)));
  }

  function conflictWarning(conflicts) {
    const items = conflicts.map((c) => {
      const pairs = c.values.map((v, i) => v + (c.sources[i] ? " (" + c.sources[i] + ")" : ""));
      return el("li", {}, c.subject + " " + c.attribute + ": " + pairs.join(" vs ") + ".");
    });
    return el("div", { class: "warning", role: "note", "aria-label": "Documents disagree" },
      el("p", { class: "warning-title" }, el("span", { "aria-hidden": "true" }, "⚠ "), "The documents disagree"),
      el("ul", {}, ...items),
      el("p", { class: "warning-help" }, "Check which document matches your PAN-OS version before relying on one value."));
  }

  // The top source's quote is open: the sentence is the answer's proof, so it shows first.
  function citationsList(citations) {
    const items = citations.map((c, i) => {
      const section = sectionBeyondTitle(c.title, c.section);
      return el("li", { class: "citation" },
        sourceLink(c.title, c.url),
        section ? el("span", { class: "section" }, " › " + section) : null,
        el("span", { class: "scope" }, citationScope(c)),
        c.quote ? el("details", { open: i === 0 },
          el("summary", {}, "Quote"),
          el("blockquote", {}, c.quote)) : null);
    });
    return el("section", { class: "citations", "aria-label": "Sources" },
      el("h3", {}, "Sources"),
      el("ol", {}, ...items));
  }

  function answerAsText(a) {
    const lines = [a.answer];
    for (const c of a.conflicts || []) {
      lines.push("Documents disagree on " + c.subject + " " + c.attribute + ": " +
        c.values.map((v, i) => v + (c.sources[i] ? " (" + c.sources[i] + ")" : "")).join(" vs "));
    }
    const cites = a.citations || [];
    if (cites.length) {
      lines.push("", "Sources:");
      cites.forEach((c, i) => {
        const section = sectionBeyondTitle(c.title, c.section);
        lines.push((i + 1) + ". " + c.title + (section ? " › " + section : "") +
          " (" + citationScope(c) + ")" + (c.url ? " <" + c.url + ">" : ""));
        if (c.quote) lines.push("   “" + c.quote + "”");
      });
    }
    return lines.join("\n");
  }


  // Helpful is one click; Wrong first asks what is wrong (optional) in a short box. Each vote
  // carries the thread's earlier question, so a follow-up can be read as it was asked.
  function actionsBar(a, question, earlier) {
    const note = el("span", { class: "action-note", role: "status" });
    const copy = el("button", { type: "button", class: "secondary copy" }, "Copy");
    copy.addEventListener("click", async () => {
      try {
        await copyText(answerAsText(a));
        note.textContent = "Copied the answer and its sources.";
      } catch (_) {
        note.textContent = "Could not copy here; select the text instead.";
      }
    });
    const helpful = el("button", { type: "button", class: "secondary vote", "aria-pressed": "false" }, "Helpful");
    const wrong = el("button", { type: "button", class: "secondary vote", "aria-pressed": "false", "aria-expanded": "false" }, "Wrong");
    const commentId = "comment-" + Math.random().toString(36).slice(2, 10);
    const comment = el("textarea", { id: commentId, rows: 2, maxlength: COMMENT_MAX, class: "comment-input",
      placeholder: "e.g. the port is 28770 on PA-5400, or the answer is for another version" });
    const send = el("button", { type: "submit" }, "Send");
    const cancel = el("button", { type: "button", class: "secondary" }, "Cancel");
    const box = el("form", { class: "comment-box", hidden: true, "aria-label": "What is wrong" },
      el("label", { for: commentId }, "What is wrong? (optional)"),
      comment,
      el("div", { class: "comment-actions" }, send, cancel));

    const closeBox = () => {
      box.hidden = true;
      wrong.setAttribute("aria-expanded", "false");
    };
    const vote = async (kind, button, text) => {
      helpful.disabled = wrong.disabled = send.disabled = true;
      note.textContent = "Sending…";
      const body = {
        vote: kind, question, answer: a.answer.slice(0, 20000), source: "page", build_id: a.build_id || null,
        kind: a.kind || null,
      };
      if (earlier) body.context = earlier.slice(0, 4000);
      if (text) body.comment = text;
      try {
        await api("POST", "/v1/feedback", body);
        button.setAttribute("aria-pressed", "true");
        closeBox();
        note.textContent = kind === "helpful" ? "Thanks — recorded as helpful." : "Thanks — recorded as wrong; we will look at it.";
      } catch (err) {
        helpful.disabled = wrong.disabled = send.disabled = false;
        note.textContent = "Your vote was not saved: " + err.message;
      }
    };
    helpful.addEventListener("click", () => {
      closeBox();
      vote("helpful", helpful, "");
    });
    wrong.addEventListener("click", () => {
      if (!box.hidden) {
        closeBox();
        return;
      }
      box.hidden = false;
      wrong.setAttribute("aria-expanded", "true");
      note.textContent = "";
      comment.focus();
    });
    box.addEventListener("submit", (event) => {
      event.preventDefault();
      vote("wrong", wrong, comment.value.trim());
    });
    cancel.addEventListener("click", () => {
      closeBox();
      wrong.focus();
    });
    comment.addEventListener("keydown", (event) => {
      if (event.key === "Escape") {
        event.preventDefault();
        closeBox();
        wrong.focus();
      } else if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        box.requestSubmit();
      }
    });
    return el("div", { class: "feedback" },
      el("div", { class: "actions" },
        copy,
        el("span", { class: "vote-group", role: "group", "aria-label": "Was this answer right?" }, helpful, wrong),
        note),
      box);
  }

  // "The documents do not say (looked for: X)." says nothing the title and "Looked for" do not.
  function saysOnlyNotSaid(text) {
    return /^the documents? do(?:es)? not say(?:\s*\(looked for:[^)]*\))?\.?$/i.test((text || "").trim());
  }

  // Where to turn when the documents do not say: what the API returns that is nearest. The
  // answer's own citations first; else the passages GET /v1/search finds for the question
  // (when the server has it); else what the build covers (GET /v1/scopes).
  async function nearestTopics(a, question) {
    const topics = [];
    const seen = new Set();
    // One line per page: five sections of one page would hide the other pages near it.
    const add = (c) => {
      const section = sectionBeyondTitle(c.title, c.section);
      const key = (c.title || "") + "\u0000" + (c.url || "");
      if (!c.title || seen.has(key) || topics.length >= NEAREST_MAX) return;
      seen.add(key);
      topics.push(el("li", {}, sourceLink(c.title, c.url),
        section ? el("span", { class: "section" }, " › " + section) : null,
        el("span", { class: "scope" }, citationScope(c))));
    };
    (a.citations || []).forEach(add);
    if (!topics.length) {
      try {
        const found = await callOnce("GET", "/v1/search?" + new URLSearchParams({ q: question, limit: String(NEAREST_MAX * 2) }));
        const hits = (found && (found.results || found.passages || found.items || found.hits)) || [];
        hits.forEach((h) => add(h.citation || h.source || h));
      } catch (_) {
        /* no search endpoint on this server: the covered scopes below */
      }
    }
    if (topics.length) {
      return el("div", { class: "nearest" },
        el("p", { class: "nearest-title" }, "Nearest topics the documents cover:"),
        el("ul", {}, ...topics));
    }
    let scopes = null;
    try {
      scopes = await callOnce("GET", "/v1/scopes");
    } catch (_) {
      return null;
    }
    const labels = ((scopes && scopes.scopes) || []).map((s) => s.label).filter(Boolean);
    if (!labels.length) return null;
    return el("div", { class: "nearest" },
      el("p", { class: "nearest-title" }, "The documents cover:"),
      el("ul", {}, ...labels.map((l) => el("li", {}, l))),
      el("p", { class: "help" }, "Try the question with one of these in “Answer for”, or ask about a link, port or platform they name."));
  }

  function renderAnswer(a, question, roundTripMs, earlier) {
    const abstain = a.kind === "abstain";
    const passage = a.kind === "passage";
    const article = el("article", { class: "answer kind-" + a.kind, "aria-label": abstain ? "No answer in the documentation" : "Answer" });
    if (abstain) {
      article.append(el("p", { class: "abstain-title" }, "The documentation does not say"));
      if (!saysOnlyNotSaid(a.answer)) article.append(el("p", { class: "answer-text" }, a.answer));
      if (a.looked_for) article.append(el("p", { class: "looked-for" }, "Looked for: " + a.looked_for));
    } else {
      // A long answer in bold is a wall: only a short one is set in bold.
      const long = (a.answer || "").length > LONG_ANSWER;
      article.append(el("p", { class: "answer-text" + (long ? " long" : "") }, a.answer));
    }
    if (passage) {
      article.append(el("p", { class: "passage-note" },
        "Closest passage in the documents: read its quote to check it answers your question."));
    }
    if (a.conflicts && a.conflicts.length) article.append(conflictWarning(a.conflicts));
    if (a.facts && a.facts.length) article.append(factsTable(a.facts, "Facts behind this answer"));
    if (a.citations && a.citations.length) article.append(citationsList(a.citations));
    if (abstain && !/\bcover/i.test(a.answer || "")) {
      // The engine's own text names what is covered for a link or scope it does not know.
      const slot = el("div", { class: "nearest-slot" });
      article.append(slot);
      nearestTopics(a, question).then((node) => {
        if (node) slot.replaceWith(node);
        else slot.remove();
      });
    }
    const how = a.kind === "fact" ? " · confidence " + Math.round((a.confidence || 0) * 100) + "%" : passage ? " · closest passage" : "";
    const timing = el("p", { class: "timing" },
      "Answered in " + formatMs(a.timing_ms) +
      (typeof roundTripMs === "number" ? " (" + formatMs(roundTripMs) + " with the network)" : "") + how);
    article.append(timing, actionsBar(a, question, earlier));
    return article;
  }

  function renderError(message) {
    return el("div", { class: "answer error", role: "alert" },
      el("p", { class: "error-title" }, "No answer"),
      el("p", {}, message));
  }

  // ---------- the scope selector ----------

  const scopeSelects = () => [
    ["product", els.scopeProduct],
    ["deployment", els.scopeDeployment],
    ["version", els.scopeVersion],
  ];
  let scopesLoaded = false;

  // What the selector asks for: {product, deployment, version} without the "Any" ones, or null.
  function chosenScope() {
    const scope = {};
    for (const [name, select] of scopeSelects()) if (select.value) scope[name] = select.value;
    return Object.keys(scope).length ? scope : null;
  }

  function scopeLabel() {
    return scopeSelects()
      .filter(([, select]) => select.value)
      .map(([, select]) => select.options[select.selectedIndex].textContent)
      .join(" · ");
  }

  function fillSelect(select, options) {
    const keep = select.value;
    const any = select.options[0];
    select.replaceChildren(any, ...(options || []).map((o) => el("option", { value: o.value }, o.label)));
    if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  }

  function scopeChanged() {
    const scope = chosenScope();
    els.scopeClear.hidden = !scope;
    try {
      if (scope) localStorage.setItem(SCOPE_STORAGE, JSON.stringify(scope));
      else localStorage.removeItem(SCOPE_STORAGE);
    } catch (_) {
      /* storage may be off: the choice lasts until reload */
    }
  }

  // Filled from GET /v1/scopes; never prompts for a key (a 401 waits for the first answer).
  async function loadScopes() {
    let data;
    try {
      data = await callOnce("GET", "/v1/scopes");
    } catch (_) {
      return;
    }
    let saved = null;
    try {
      saved = JSON.parse(localStorage.getItem(SCOPE_STORAGE) || "null");
    } catch (_) {
      saved = null;
    }
    fillSelect(els.scopeProduct, data.products);
    fillSelect(els.scopeDeployment, data.deployments);
    fillSelect(els.scopeVersion, data.versions);
    if (saved && !scopesLoaded) {
      for (const [name, select] of scopeSelects()) {
        if ([...select.options].some((o) => o.value === saved[name])) select.value = saved[name];
      }
    }
    scopesLoaded = true;
    els.scopeClear.hidden = !chosenScope();
  }

  for (const [, select] of scopeSelects()) select.addEventListener("change", scopeChanged);
  els.scopeClear.addEventListener("click", () => {
    for (const [, select] of scopeSelects()) select.value = "";
    scopeChanged();
    els.scopeProduct.focus();
  });

  // ---------- asking ----------

  function showAskError(message) {
    els.askError.textContent = message;
    els.question.setAttribute("aria-invalid", message ? "true" : "false");
  }

  async function ask(question) {
    const previous = history.length ? history[history.length - 1] : null;
    if (history[history.length - 1] !== question) history.push(question);
    if (history.length > HISTORY_LIMIT) history.shift();
    historyIndex = -1;

    els.emptyHint.hidden = true;
    const scope = chosenScope();
    const label = scope ? scopeLabel() : "";
    const turn = el("li", { class: "turn" },
      el("p", { class: "question" }, el("span", { class: "visually-hidden" }, "You asked: "), question,
        label ? el("span", { class: "asked-scope" }, "for " + label) : null));
    const pending = el("p", { class: "pending" }, "Looking it up…");
    turn.append(pending);
    els.conversation.append(turn);
    turn.scrollIntoView({ block: "end" });

    busy = true;
    els.askButton.disabled = true;
    els.conversation.setAttribute("aria-busy", "true");
    const started = performance.now();
    try {
      const body = { question };
      if (previous && previous !== question) body.context = previous.slice(0, 2000);
      if (scope) body.scope = scope;
      const answer = await api("POST", "/v1/ask", body);
      if (!scopesLoaded) loadScopes(); // the key the answer needed may list them now
      pending.replaceWith(renderAnswer(answer, question, performance.now() - started, body.context || null));
    } catch (err) {
      pending.replaceWith(renderError(err.message));
    } finally {
      busy = false;
      els.askButton.disabled = false;
      els.conversation.setAttribute("aria-busy", "false");
      // Show the new answer from its start (its first line is the answer itself).
      turn.scrollIntoView({ block: "start" });
    }
  }

  els.askForm.addEventListener("submit", (event) => {
    event.preventDefault();
    if (busy) return;
    const question = els.question.value.trim();
    if (!question) {
      showAskError("Type a question first — for example “what port does HA1 use?”.");
      els.question.focus();
      return;
    }
    showAskError("");
    els.question.value = "";
    ask(question);
  });

  els.question.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      els.askForm.requestSubmit();
      return;
    }
    const box = els.question;
    const atStart = box.selectionStart === 0 && box.selectionEnd === 0;
    if (event.key === "ArrowUp" && history.length && (box.value === "" || atStart || historyIndex >= 0)) {
      // Up in an empty box (or at its very start) walks back through earlier questions.
      if (historyIndex >= 0 && box.value !== history[historyIndex] && box.value !== "") return;
      event.preventDefault();
      historyIndex = historyIndex < 0 ? history.length - 1 : Math.max(0, historyIndex - 1);
      box.value = history[historyIndex];
      box.setSelectionRange(box.value.length, box.value.length);
    } else if (event.key === "ArrowDown" && historyIndex >= 0 && box.value === history[historyIndex]) {
      event.preventDefault();
      historyIndex += 1;
      if (historyIndex >= history.length) {
        historyIndex = -1;
        box.value = "";
      } else {
        box.value = history[historyIndex];
      }
    }
  });

  els.question.addEventListener("input", () => {
    if (els.askError.textContent && els.question.value.trim()) showAskError("");
  });

  // ---------- lookups: ports ----------

  // Every item of a list endpoint: pages are followed by `next_cursor` while the server
  // gives one (a server without pagination answers everything in one page).
  async function allPages(path, field) {
    const items = [];
    let cursor = null;
    for (let page = 0; page < 100; page++) {
      const data = await api("GET", cursor ? path + "?" + new URLSearchParams({ cursor }) : path);
      items.push(...((data && data[field]) || []));
      cursor = data && data.next_cursor;
      if (!cursor) break;
    }
    return items;
  }

  let portsLoaded = false;

  function renderPorts(data) {
    const rows = (data.ports || []).map((p) =>
      el("tr", { class: p.conflict ? "conflict" : null },
        el("td", { "data-label": "Port", class: "value" }, p.port,
          p.qualifier ? el("span", { class: "qualifier" }, " " + p.qualifier) : null,
          p.conflict ? el("span", { class: "badge warn", title: "Documents give different values" }, "differs") : null),
        el("td", { "data-label": "Protocol" }, p.protocol || ""),
        el("td", { "data-label": "Link" }, p.link),
        el("td", { "data-label": "Purpose", class: "purpose" }, p.purpose),
        el("td", { "data-label": "Source" },
          sourceLink(p.source && p.source.title, p.source && p.source.url),
          p.source && sectionBeyondTitle(p.source.title, p.source.section)
            ? el("span", { class: "section" }, " › " + sectionBeyondTitle(p.source.title, p.source.section)) : null,
          el("span", { class: "scope" }, citationScope(p.source)))));
    const table = el("div", { class: "table-wrap" },
      el("table", { class: "ports" },
        el("caption", {}, rows.length + " documented ports and protocols"),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Port"),
          el("th", { scope: "col" }, "Protocol"),
          el("th", { scope: "col" }, "Link"),
          el("th", { scope: "col" }, "Purpose"),
          el("th", { scope: "col" }, "Source"))),
        el("tbody", {}, ...rows)));
    els.portsView.replaceChildren(table);
    // Screen readers hear a one-line summary, not the whole table.
    els.portsStatus.textContent = rows.length + " documented ports and protocols are listed under Ports between HA peers.";
  }

  async function showPorts() {
    const open = els.portsButton.getAttribute("aria-expanded") === "true";
    if (open) {
      els.portsView.hidden = true;
      els.portsButton.setAttribute("aria-expanded", "false");
      els.portsButton.textContent = "Show ports";
      return;
    }
    els.portsView.hidden = false;
    els.portsButton.setAttribute("aria-expanded", "true");
    els.portsButton.textContent = "Hide ports";
    if (portsLoaded) return;
    els.portsView.replaceChildren(el("p", { class: "pending" }, "Loading ports…"));
    try {
      renderPorts({ ports: await allPages("/v1/ports", "ports") });
      portsLoaded = true;
    } catch (err) {
      els.portsView.replaceChildren(el("p", { class: "form-error", role: "alert" }, "Could not load the ports: " + err.message));
    }
  }

  els.portsButton.addEventListener("click", showPorts);

  // ---------- lookups: platform ----------

  function renderPlatform(data) {
    const family = (data.documented_as || []).filter((n) => n !== data.model);
    const intro = family.length
      ? data.model + " belongs to the " + family.join(", ") + "."
      : data.model + " is documented under its own name.";
    const parts = [
      el("p", { class: "platform-family" }, intro),
      el("p", { class: "help" }, data.count === 1 ? "1 constraint applies:" : data.count + " constraints apply:"),
    ];
    if (data.facts && data.facts.length) parts.push(factsTable(data.facts, "Constraints for " + data.model));
    els.platformResult.replaceChildren(...parts);
    els.platformStatus.textContent = intro + " " + parts[1].textContent;
  }

  els.platformForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const model = els.platformModel.value.trim();
    if (!model) {
      els.platformResult.replaceChildren(el("p", { class: "form-error", role: "alert" }, "Type a model first, for example PA-3260."));
      els.platformModel.focus();
      return;
    }
    els.platformStatus.textContent = "";
    els.platformResult.replaceChildren(el("p", { class: "pending" }, "Looking up " + model + "…"));
    try {
      renderPlatform(await api("GET", "/v1/platforms/" + encodeURIComponent(model)));
    } catch (err) {
      els.platformResult.replaceChildren(el("p", { class: "form-error", role: "alert" }, err.message));
    }
  });

  // ---------- start ----------

  if (storedKey()) els.keyButton.hidden = false;
  checkReady();
  loadScopes();
})();
