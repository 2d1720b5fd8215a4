// hakb chat page: the configuration check box (POST /v1/check).
// Self-contained beside app.js: it builds its form inside #check-panel, loads its own
// stylesheet (check.css), sends the API key app.js keeps in this browser, and puts
// everything from the server on the page with textContent, never as HTML. The pasted
// configuration goes to the server in the request only; the page keeps no copy.
"use strict";

(function () {
  const { el } = window.hakbDom; // dom.js
  const KEY_STORAGE = "hakb.apiKey"; // where app.js keeps the key
  const panel = document.getElementById("check-panel");
  if (!panel) return;


  function field(id, label, control, extraClass) {
    return el("div", { class: "ck-field" + (extraClass ? " " + extraClass : "") }, el("label", { for: id, text: label }), control);
  }

  // ---------- the form ----------

  document.head.append(el("link", { rel: "stylesheet", href: "/static/check.css" }));
  const status = el("p", { id: "check-status", class: "visually-hidden", role: "status" });
  const error = el("p", { id: "check-error", class: "form-error", role: "alert" });
  const result = el("div", { id: "check-result", class: "ck-result" });
  const form = el("form", { id: "check-form", class: "ck-form", novalidate: true },
    field("check-config", "HA configuration",
      el("textarea", { id: "check-config", name: "config", rows: "8", spellcheck: "false", autocomplete: "off",
        "aria-describedby": "check-help",
        placeholder: "<high-availability>…</high-availability>  or the output of  show high-availability all" }),
      "ck-config"),
    field("check-model", "Model of this firewall",
      el("input", { id: "check-model", name: "model", type: "text", autocomplete: "off", spellcheck: "false",
        placeholder: "PA-3260", required: true })),
    field("check-version", "PAN-OS version (optional)",
      el("input", { id: "check-version", name: "version", type: "text", autocomplete: "off", placeholder: "11.1" })),
    el("button", { type: "submit", id: "check-button", text: "Check configuration" }));
  panel.append(
    el("h2", { id: "check-heading", text: "Configuration check" }),
    el("p", { id: "check-help", class: "help", text: "Paste deviceconfig/high-availability (XML) or the output of " +
      "show high-availability all: every finding names where it is and quotes the documented rule. " +
      "The configuration is not stored." }),
    form, error, status, result);
  panel.setAttribute("aria-labelledby", "check-heading");

  async function send(body) {
    const headers = { Accept: "application/json", "Content-Type": "application/json" };
    const key = localStorage.getItem(KEY_STORAGE) || "";
    if (key) headers["Authorization"] = "Bearer " + key;
    let response;
    try {
      response = await fetch("/v1/check", { method: "POST", headers, body: JSON.stringify(body), cache: "no-store" });
    } catch (_) {
      throw new Error("Could not reach the hakb service. Check whether the server is running, and try again.");
    }
    const text = await response.text();
    let data = null;
    try { data = JSON.parse(text); } catch (_) { data = null; }
    if (response.ok && data) return data;
    if (response.status === 401) throw new Error("This service needs an API key: use the API key button at the top.");
    let message = (data && (data.message || data.detail)) || "The service answered with HTTP " + response.status + ".";
    if (data && data.line) message += " (line " + data.line + ", column " + data.column + ")";
    throw new Error(message);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const config = form.elements.config.value;
    const model = form.elements.model.value.trim();
    if (!config.trim()) {
      error.textContent = "Paste a configuration first: the high-availability section or show high-availability all.";
      form.elements.config.focus();
      return;
    }
    if (!model) {
      error.textContent = "Type the firewall model, for example PA-3260.";
      form.elements.model.focus();
      return;
    }
    const body = { config, model };
    const version = form.elements.version.value.trim();
    if (version) body.scope = { version };
    const button = document.getElementById("check-button");
    button.disabled = true;
    status.textContent = "Checking the configuration…";
    try {
      const report = await send(body);
      render(report);
      status.textContent = "Checked: " + count(report.errors, "error") + ", " + count(report.warnings, "warning") + ".";
    } catch (exc) {
      result.replaceChildren();
      error.textContent = exc.message;
      status.textContent = "";
    } finally {
      button.disabled = false;
    }
  });

  // ---------- the report ----------

  function count(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  function source(c) {
    return el("li", {}, el("q", { text: c.quote }), " — ",
      c.url && /^https?:\/\//.test(c.url) ? el("a", { href: c.url, rel: "noreferrer", target: "_blank", text: c.title }) : c.title,
      c.section ? el("span", { class: "ck-scope", text: " › " + c.section.split(" > ").pop() }) : null,
      c.scope_label ? el("span", { class: "ck-scope", text: " (" + c.scope_label + ")" }) : null);
  }

  function finding(f) {
    const label = f.rules.length === 1 ? "The documented rule" : f.rules.length + " documented rules";
    return el("li", { class: "ck-finding ck-" + f.severity },
      el("span", { class: "ck-severity", text: f.severity }),
      el("code", { class: "ck-where", text: f.where }),
      el("p", { class: "ck-problem", text: f.problem }),
      el("details", { class: "ck-rules", open: true }, el("summary", { text: label }), el("ul", {}, ...f.rules.map(source))));
  }

  function more(title, items, line) {
    if (!items.length) return null;
    return el("details", { class: "ck-more" }, el("summary", { text: title + " (" + items.length + ")" }),
      el("ul", {}, ...items.map(line)));
  }

  function render(report) {
    const head = el("div", { class: "ck-head" },
      el("h3", { text: report.model + " · documented as " + report.documented_as.join(", ") }),
      el("p", { class: "help", text: count(report.errors, "error") + " · " + count(report.warnings, "warning") + " · read as " +
        (report.format === "xml" ? "XML" : "show high-availability all") + " · documents: " + report.scope }));
    const findings = report.findings.length
      ? el("ol", { class: "ck-findings" }, ...report.findings.map(finding))
      : el("p", { class: "ck-clean", text: "No finding: nothing in this configuration goes against what the documents say." });
    result.replaceChildren(head, findings,
      more("Checked and holds", report.passed, (p) => el("li", {}, p.what, p.where ? el("code", { class: "ck-where", text: p.where }) : null)),
      more("Not checked", report.not_checked, (n) => el("li", {}, n.what, " — ", el("span", { class: "ck-why", text: n.why }),
        n.where ? el("code", { class: "ck-where", text: n.where }) : null)));
  }
})();
