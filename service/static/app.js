// hakb chat page. Plain browser JavaScript, no build step, nothing loaded from elsewhere.
// Everything from the server is put on the page with textContent, never as HTML.
"use strict";

(function () {
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

  const history = []; // questions asked, oldest first
  let historyIndex = -1; // position while recalling with Up/Down; -1: not recalling
  let busy = false;

  // ---------- small DOM helpers ----------

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "class") node.className = value;
      else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

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
    const message = body && typeof body.message === "string" ? body.message : "";
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

  function factsTable(facts, caption) {
    const rows = facts.map((f) =>
      el("tr", { class: f.conflict ? "conflict" : null },
        el("td", { "data-label": "Subject" }, f.subject),
        el("td", { "data-label": "Attribute" }, f.attribute),
        el("td", { "data-label": "Value", class: "value" }, factValue(f),
          f.conflict ? el("span", { class: "badge warn", title: "Another document gives a different value" }, "differs") : null),
        el("td", { "data-label": "Qualifier" }, f.qualifier || ""),
        el("td", { "data-label": "Platforms" }, (f.platforms || []).join(", ")),
        el("td", { "data-label": "Source" }, sourceLink(f.title, f.url))
      )
    );
    return el("div", { class: "table-wrap" },
      el("table", { class: "facts" },
        el("caption", { class: "visually-hidden" }, caption),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Subject"),
          el("th", { scope: "col" }, "Attribute"),
          el("th", { scope: "col" }, "Value"),
          el("th", { scope: "col" }, "Qualifier"),
          el("th", { scope: "col" }, "Platforms"),
          el("th", { scope: "col" }, "Source"))),
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

  function citationsList(citations) {
    const items = citations.map((c) =>
      el("li", { class: "citation" },
        sourceLink(c.title, c.url),
        c.section ? el("span", { class: "section" }, " — " + c.section) : null,
        c.scope_label ? el("span", { class: "scope" }, " (" + c.scope_label + ")") : null,
        c.quote ? el("details", {},
          el("summary", {}, "Quote"),
          el("blockquote", {}, c.quote)) : null));
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
        lines.push((i + 1) + ". " + c.title + (c.section ? " — " + c.section : "") +
          (c.scope_label ? " (" + c.scope_label + ")" : "") + (c.url ? " <" + c.url + ">" : ""));
        if (c.quote) lines.push("   “" + c.quote + "”");
      });
    }
    return lines.join("\n");
  }

  async function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain-http deployments have no clipboard API: fall back to a selected off-screen textarea.
    const area = el("textarea", { class: "offscreen", readonly: true, "aria-hidden": "true" });
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand("copy");
    area.remove();
    if (!ok) throw new Error("copy refused");
  }

  function actionsBar(a, question) {
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
    const wrong = el("button", { type: "button", class: "secondary vote", "aria-pressed": "false" }, "Wrong");
    const vote = async (kind, button) => {
      helpful.disabled = wrong.disabled = true;
      note.textContent = "Sending…";
      try {
        await api("POST", "/v1/feedback", {
          vote: kind, question, answer: a.answer.slice(0, 20000), source: "page", build_id: a.build_id || null,
        });
        button.setAttribute("aria-pressed", "true");
        note.textContent = kind === "helpful" ? "Thanks — recorded as helpful." : "Thanks — recorded as wrong; we will look at it.";
      } catch (err) {
        helpful.disabled = wrong.disabled = false;
        note.textContent = "Your vote was not saved: " + err.message;
      }
    };
    helpful.addEventListener("click", () => vote("helpful", helpful));
    wrong.addEventListener("click", () => vote("wrong", wrong));
    return el("div", { class: "actions" },
      copy,
      el("span", { class: "vote-group", role: "group", "aria-label": "Was this answer right?" }, helpful, wrong),
      note);
  }

  function renderAnswer(a, question, roundTripMs) {
    const abstain = a.kind === "abstain";
    const article = el("article", { class: "answer kind-" + a.kind, "aria-label": abstain ? "No answer in the documentation" : "Answer" });
    if (abstain) {
      article.append(el("p", { class: "abstain-title" }, "The documentation does not say"));
    }
    article.append(el("p", { class: "answer-text" }, a.answer));
    if (abstain && a.looked_for) {
      article.append(el("p", { class: "looked-for" }, "Looked for: " + a.looked_for));
    }
    if (a.conflicts && a.conflicts.length) article.append(conflictWarning(a.conflicts));
    if (a.facts && a.facts.length) article.append(factsTable(a.facts, "Facts behind this answer"));
    if (a.citations && a.citations.length) article.append(citationsList(a.citations));
    const timing = el("p", { class: "timing" },
      "Answered in " + formatMs(a.timing_ms) +
      (typeof roundTripMs === "number" ? " (" + formatMs(roundTripMs) + " with the network)" : "") +
      (a.kind !== "abstain" ? " · confidence " + Math.round((a.confidence || 0) * 100) + "%" : ""));
    article.append(timing, actionsBar(a, question));
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
      pending.replaceWith(renderAnswer(answer, question, performance.now() - started));
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
          p.source && p.source.section ? el("span", { class: "section" }, " — " + p.source.section) : null)));
    const table = el("div", { class: "table-wrap" },
      el("table", { class: "ports" },
        el("caption", {}, data.count + " documented ports and protocols"),
        el("thead", {}, el("tr", {},
          el("th", { scope: "col" }, "Port"),
          el("th", { scope: "col" }, "Protocol"),
          el("th", { scope: "col" }, "Link"),
          el("th", { scope: "col" }, "Purpose"),
          el("th", { scope: "col" }, "Source"))),
        el("tbody", {}, ...rows)));
    els.portsView.replaceChildren(table);
    // Screen readers hear a one-line summary, not the whole table.
    els.portsStatus.textContent = data.count + " documented ports and protocols are listed under Ports between HA peers.";
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
      renderPorts(await api("GET", "/v1/ports"));
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
