// hakb chat page: the HA connectivity checklist form (GET /v1/checklist).
// Self-contained beside app.js: it builds its form inside #checklist-panel, loads its own
// stylesheet (checklist.css), sends the API key app.js keeps in this browser, and puts
// everything from the server on the page with textContent, never as HTML.
"use strict";

(function () {
  const { el } = window.hakbDom; // dom.js
  const KEY_STORAGE = "hakb.apiKey"; // where app.js keeps the key
  const BACKUPS = [["ha1", "HA1 backup"], ["ha2", "HA2 backup"], ["heartbeat", "Heartbeat backup"]];
  const panel = document.getElementById("checklist-panel");
  if (!panel) return;


  function field(id, label, control) {
    return el("div", { class: "cl-field" }, el("label", { for: id, text: label }), control);
  }

  function select(id, name, options) {
    return el("select", { id, name }, ...options.map(([value, label]) => el("option", { value, text: label })));
  }

  function check(id, name, label, value) {
    return el("div", { class: "cl-check" },
      el("input", { type: "checkbox", id, name, value: value || "true" }), el("label", { for: id, text: label }));
  }

  // ---------- the form ----------

  document.head.append(el("link", { rel: "stylesheet", href: "/static/checklist.css" }));
  const status = el("p", { id: "checklist-status", class: "visually-hidden", role: "status" });
  const error = el("p", { id: "checklist-error", class: "form-error", role: "alert" });
  const result = el("div", { id: "checklist-result", class: "cl-result" });
  const form = el("form", { id: "checklist-form", class: "cl-form", novalidate: true },
    field("checklist-model", "Firewall model",
      el("input", { id: "checklist-model", name: "model", type: "text", autocomplete: "off",
        spellcheck: "false", placeholder: "PA-3260", required: true })),
    field("checklist-mode", "HA mode", select("checklist-mode", "mode",
      [["active-passive", "Active/passive"], ["active-active", "Active/active"], ["cluster", "Cluster"]])),
    field("checklist-transport", "HA2 transport", select("checklist-transport", "ha2_transport",
      [["ethernet", "Ethernet"], ["ip", "IP"], ["udp", "UDP"]])),
    el("fieldset", { class: "cl-options" }, el("legend", { text: "Links and options" }),
      check("checklist-encryption", "ha1_encryption", "HA1 encryption"),
      ...BACKUPS.map(([value, label]) => check("checklist-backup-" + value, "backups", label, value)),
      check("checklist-ha3", "ha3", "HA3 link"),
      check("checklist-hsci", "hsci", "HA2/HA3 over HSCI")),
    field("checklist-version", "PAN-OS version (optional)",
      el("input", { id: "checklist-version", name: "version", type: "text", autocomplete: "off", placeholder: "10.2" })),
    el("button", { type: "submit", id: "checklist-button", text: "Build checklist" }));
  panel.append(
    el("h2", { id: "checklist-heading", text: "Connectivity checklist" }),
    el("p", { class: "help", text: "Every flow between two HA peers for a model and deployment — " +
      "what to allow on a switch or firewall between them — each line with the sentences that say so." }),
    form, error, status, result);
  panel.setAttribute("aria-labelledby", "checklist-heading");

  // An active/active deployment has HA3: tick it with the mode, as the server defaults it.
  form.elements.mode.addEventListener("change", () => {
    form.elements.ha3.checked = form.elements.mode.value === "active-active";
  });

  function query(format) {
    const params = new URLSearchParams();
    params.set("model", form.elements.model.value.trim());
    params.set("mode", form.elements.mode.value);
    params.set("ha2_transport", form.elements.ha2_transport.value);
    params.set("ha1_encryption", String(form.elements.ha1_encryption.checked));
    const backups = BACKUPS.map(([value]) => value).filter((v) => document.getElementById("checklist-backup-" + v).checked);
    if (backups.length) params.set("backups", backups.join(","));
    params.set("ha3", String(form.elements.ha3.checked));
    params.set("hsci", String(form.elements.hsci.checked));
    const version = form.elements.version.value.trim();
    if (version) params.set("version", version);
    if (format) params.set("format", format);
    return "/v1/checklist?" + params.toString();
  }

  async function call(path, asText) {
    const headers = { Accept: asText ? "text/plain" : "application/json" };
    const key = localStorage.getItem(KEY_STORAGE) || "";
    if (key) headers["Authorization"] = "Bearer " + key;
    let response;
    try {
      response = await fetch(path, { headers, cache: "no-store" });
    } catch (_) {
      throw new Error("Could not reach the hakb service. Check whether the server is running, and try again.");
    }
    const text = await response.text();
    if (response.ok) return asText ? text : JSON.parse(text);
    let body = null;
    try { body = JSON.parse(text); } catch (_) { body = null; }
    if (response.status === 401) throw new Error("This service needs an API key: use the API key button at the top.");
    const message = (body && (body.message || body.detail)) || "The service answered with HTTP " + response.status + ".";
    throw new Error(message);
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    if (!form.elements.model.value.trim()) {
      error.textContent = "Type a firewall model first, for example PA-3260.";
      form.elements.model.focus();
      return;
    }
    const button = document.getElementById("checklist-button");
    button.disabled = true;
    status.textContent = "Building the checklist…";
    try {
      const found = await call(query(""), false);
      render(found);
      status.textContent = "Checklist for " + found.model + ": " + found.lines.length + " links.";
    } catch (exc) {
      result.replaceChildren();
      error.textContent = exc.message;
      status.textContent = "";
    } finally {
      button.disabled = false;
    }
  });

  // ---------- the result ----------

  function sources(citations) {
    if (!citations || !citations.length) return null;
    const label = citations.length === 1 ? "1 source" : citations.length + " sources";
    return el("details", { class: "cl-sources" }, el("summary", { text: label }),
      el("ul", {}, ...citations.map((c) => el("li", {},
        el("q", { text: c.quote }), " — ",
        c.url && /^https?:\/\//.test(c.url) ? el("a", { href: c.url, rel: "noreferrer", target: "_blank", text: c.title }) : c.title,
        c.scope_label ? el("span", { class: "cl-scope", text: " (" + c.scope_label + ")" }) : null))));
  }

  function item(text, citations, extra) {
    return el("li", {}, el("span", { class: "cl-value", text }), extra ? el("span", { class: "cl-meaning", text: extra }) : null,
      sources(citations));
  }

  function cell(name, data) {
    const values = data.items.length
      ? el("ul", { class: "cl-values" }, ...data.items.map((s) =>
        item(s.text + (s.qualifier ? " (" + s.qualifier + ")" : ""), s.citations, s.note_by_hakb ? " — hakb's note, not from the documents: " + s.note_by_hakb : "")))
      : el("p", { class: "cl-missing", text: data.missing || "not documented" });
    return [el("dt", { text: name + (data.conflict ? " (documents differ)" : "") }), el("dd", {}, values)];
  }

  function flows(line) {
    if (!line.flows.length) return [el("dt", { text: "Allow" }), el("dd", {}, el("p", { class: "cl-missing", text: line.flows_missing || "not documented" }))];
    return [el("dt", { text: "Allow" }), el("dd", {}, el("ul", { class: "cl-values cl-flows" }, ...line.flows.map((f) => {
      const extra = [f.qualifier, f.detail].filter(Boolean).join("; ");
      return item(f.label, f.citations, (extra ? " (" + extra + ")" : "") + (f.conflict ? " — documents differ" : ""));
    })))];
  }

  function render(found) {
    const dep = found.deployment;
    const backups = dep.backups.length ? dep.backups.join(", ") : "none";
    const head = el("div", { class: "cl-head" },
      el("h3", { text: found.model + " · documented as " + found.documented_as.join(", ") }),
      el("p", { class: "help", text: dep.mode.replace("-", "/") + " · HA1 encryption " + (dep.ha1_encryption ? "on" : "off") +
        " · HA2 over " + dep.ha2_transport + " · backups: " + backups + " · documents: " + found.scope }));
    const copy = el("button", { type: "button", class: "secondary", id: "checklist-copy", text: "Text for a ticket" });
    const ticket = el("pre", { id: "checklist-text", class: "cl-text", hidden: true, tabindex: "0" });
    copy.addEventListener("click", async () => {
      try {
        ticket.textContent = await call(query("text"), true);
        ticket.hidden = false;
        try { await navigator.clipboard.writeText(ticket.textContent); copy.textContent = "Copied"; } catch (_) { /* shown below */ }
      } catch (exc) {
        error.textContent = exc.message;
      }
    });
    const lines = found.lines.map((line) => {
      const purpose = line.purpose.items.length ? line.purpose.items[0].text : "";
      const notes = line.notes.length
        ? el("details", { class: "cl-notes" }, el("summary", { text: line.notes.length + " documented notes" }),
          el("ul", { class: "cl-values" }, ...line.notes.map((n) => item(n.text, n.citations, ""))))
        : null;
      return el("section", { class: "cl-line", "aria-label": line.link },
        el("h4", {}, el("span", { class: "cl-link", text: line.link }), purpose ? el("span", { class: "cl-purpose", text: " — " + purpose }) : null),
        el("dl", {}, ...cell("Interface", line.interface), ...flows(line), ...cell("Direction", line.direction),
          ...cell("Layer", line.layer)),
        notes);
    });
    result.replaceChildren(head, el("div", { class: "cl-actions" }, copy), ticket, ...lines);
  }
})();
