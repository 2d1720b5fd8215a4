// hakb review page: the votes on answers (GET /v1/feedback, admin key), each with the
// gold-set line a maintainer can add to eval/gold.jsonl. Plain browser JavaScript; everything
// from the server is put on the page with textContent, never as HTML.
"use strict";

(function () {
  const { el, copyText } = window.hakbDom; // dom.js
  const KEY_STORAGE = "hakb.adminKey";
  const PAGE_SIZE = 50;

  const $ = (id) => document.getElementById(id);
  const els = {
    status: $("review-status"),
    forget: $("review-forget"),
    form: $("admin-form"),
    key: $("admin-key"),
    error: $("admin-error"),
    tools: $("review-tools"),
    votes: $("votes"),
    empty: $("votes-empty"),
    more: $("more-votes"),
  };

  let next = null; // {cursor} or {before} for the next page, null on the last one
  let shown = 0;


  function storedKey() {
    try {
      return window.sessionStorage.getItem(KEY_STORAGE) || "";
    } catch (_) {
      return "";
    }
  }

  let memoryKey = "";
  function setKey(key) {
    memoryKey = key;
    try {
      if (key) window.sessionStorage.setItem(KEY_STORAGE, key);
      else window.sessionStorage.removeItem(KEY_STORAGE);
    } catch (_) {
      /* kept in memory only */
    }
  }

  // The line eval/GOLD.md describes, in the file's key order. What a vote cannot tell
  // (the values a right answer must hold, where the document says them) is left empty
  // for the maintainer; `kind` is the answer's, except that an abstention voted wrong
  // means the documents do say something.
  function goldLine(v) {
    let kind = v.kind || "fact";
    if (v.vote === "wrong" && kind === "abstain") kind = "fact";
    return JSON.stringify({
      id: "g-vote-" + v.id,
      split: "dev",
      question: v.question,
      kind,
      must: [],
      must_not: [],
      any_of: [],
      docs: "corpus",
      source_doc: null,
      source_section: null,
      category: kind === "abstain" ? "abstain" : "other",
    });
  }


  function field(label, value, cls) {
    if (!value) return [];
    return [el("dt", {}, label), el("dd", { class: cls || null }, value)];
  }

  function renderVote(v) {
    const line = goldLine(v);
    const note = el("span", { class: "action-note", role: "status" });
    const copy = el("button", { type: "button", class: "secondary" }, "Copy line");
    copy.addEventListener("click", async () => {
      try {
        await copyText(line);
        note.textContent = "Copied.";
      } catch (_) {
        note.textContent = "Could not copy here; select the line instead.";
      }
    });
    const when = (v.created_at || "").replace("T", " ").replace("+00:00", " UTC");
    return el("li", { class: "vote-card vote-" + v.vote, "data-vote": v.vote },
      el("p", { class: "vote-head" },
        el("span", { class: "badge " + (v.vote === "wrong" ? "warn" : "ok") }, v.vote === "wrong" ? "Wrong" : "Helpful"),
        el("span", {}, when),
        el("span", {}, "from " + (v.source || "?") + (v.user ? " (" + v.user + ")" : "")),
        el("span", {}, "build " + (v.build_id || "unknown"))),
      el("dl", { class: "vote-fields" },
        ...field("Question", v.question, "vote-question"),
        ...field("Earlier question", v.context, "vote-context"),
        ...field("Answer" + (v.kind ? " (" + v.kind + ")" : ""), v.answer || "(none sent)", "vote-answer"),
        ...field("Comment", v.comment, "vote-comment")),
      v.context ? el("p", { class: "help" },
        "A follow-up: write the question so it stands alone before adding it (the eval asks without the earlier question).") : null,
      el("div", { class: "gold" },
        el("p", { class: "gold-title" }, "Gold-set line"),
        el("pre", { class: "gold-line" }, el("code", {}, line)),
        el("div", { class: "actions" }, copy, note)));
  }

  function explain(status, body) {
    const message = (body && (body.message || body.detail)) || "";
    if (status === 401) return "That key was not accepted: send one of the server's HAKB_ADMIN_KEYS." + (message ? " (" + message + ")" : "");
    if (status === 403) return "This key may not read votes" + (message ? ": " + message : ".");
    if (status === 0) return "Could not reach the hakb service.";
    return "The service answered with HTTP " + status + (message ? ": " + message : ".");
  }

  async function fetchPage(after) {
    const params = new URLSearchParams({ limit: String(PAGE_SIZE) });
    if (after && after.cursor) params.set("cursor", after.cursor);
    else if (after && after.before) params.set("before", String(after.before));
    const key = storedKey() || memoryKey;
    let response;
    try {
      response = await fetch("/v1/feedback?" + params, {
        headers: { Accept: "application/json", Authorization: "Bearer " + key },
        cache: "no-store",
      });
    } catch (_) {
      throw new Error(explain(0, null));
    }
    const body = await response.json().catch(() => null);
    if (!response.ok) {
      const err = new Error(explain(response.status, body));
      err.status = response.status;
      throw err;
    }
    return body || {};
  }

  function applyFilter() {
    const choice = document.querySelector('input[name="show"]:checked');
    const want = choice ? choice.value : "all";
    for (const item of els.votes.children) item.hidden = want !== "all" && item.dataset.vote !== want;
  }

  async function load(more) {
    els.more.disabled = true;
    els.status.textContent = more ? "Loading older votes…" : "Loading votes…";
    try {
      const data = await fetchPage(more ? next : null);
      const votes = data.votes || data.items || [];
      if (!more) {
        els.votes.replaceChildren();
        shown = 0;
      }
      els.votes.append(...votes.map(renderVote));
      shown += votes.length;
      next = data.next_cursor ? { cursor: data.next_cursor } : data.next_before ? { before: data.next_before } : null;
      els.form.hidden = true;
      els.tools.hidden = false;
      els.forget.hidden = false;
      els.error.textContent = "";
      els.empty.hidden = shown > 0;
      els.more.hidden = !next;
      els.status.textContent = shown + (shown === 1 ? " vote" : " votes") + (next ? " (older ones on request)" : "");
      applyFilter();
    } catch (err) {
      els.status.textContent = "Votes not loaded.";
      if (err.status === 401 || err.status === 403) {
        setKey("");
        els.form.hidden = false;
        els.tools.hidden = true;
        els.forget.hidden = true;
        els.votes.replaceChildren();
        els.more.hidden = true;
        els.key.setAttribute("aria-invalid", "true");
        els.key.focus();
      }
      els.error.textContent = err.message;
    } finally {
      els.more.disabled = false;
    }
  }

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const key = els.key.value.trim();
    if (!key) {
      els.error.textContent = "Type the admin key first.";
      els.key.setAttribute("aria-invalid", "true");
      els.key.focus();
      return;
    }
    els.key.setAttribute("aria-invalid", "false");
    els.key.value = "";
    setKey(key);
    load(false);
  });
  els.more.addEventListener("click", () => load(true));
  els.forget.addEventListener("click", () => {
    setKey("");
    els.votes.replaceChildren();
    els.form.hidden = false;
    els.tools.hidden = true;
    els.more.hidden = true;
    els.empty.hidden = true;
    els.forget.hidden = true;
    els.status.textContent = "Enter the admin key to read the votes.";
    els.key.focus();
  });
  for (const radio of document.querySelectorAll('input[name="show"]')) radio.addEventListener("change", applyFilter);

  if (storedKey()) load(false);
  else els.key.focus();
})();
