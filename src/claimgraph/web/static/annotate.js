// The annotation page and the add-a-document form (claimgraph.web.annotate).
// Offsets are code points into the document's text, as the loader anchors quotes: the text is
// drawn as spans that each know the code point they start at (data-s), and a selection is read
// back through them. Plain DOM Range code; nothing is fetched but this server's JSON.
"use strict";
(function () {
  const TOKEN_KEY = "claimgraph-token";
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const cpLength = (s) => { let n = 0; for (const _ of s) n++; return n; };

  // ------------------------------------------------------------ the curator's token
  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }
  function setupToken() {
    const form = $("#token-form");
    if (!form) return;
    const state = $("#token-state"), forget = $("#token-forget"), input = $("#token");
    const show = () => {
      const have = !!token();
      state.textContent = have ? "Curator token given: you can record." : "No curator token given: you can look, not record.";
      state.classList.toggle("ok", have);
      forget.hidden = !have;
      input.hidden = have; $("label[for=token]", form).hidden = have; $("button[type=submit]", form).hidden = have;
    };
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (input.value.trim()) sessionStorage.setItem(TOKEN_KEY, input.value.trim());
      input.value = ""; showProblems(form, []); show();
    });
    forget.addEventListener("click", () => { sessionStorage.removeItem(TOKEN_KEY); show(); });
    show();
  }

  // ------------------------------------------------------------ problems shown at their field
  // A problem's path is a form field, or (from the shapes) a property IRI: mapped to its field.
  const PATHS = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject": "subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate": "predicate",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object": "value",
    "http://www.w3.org/ns/prov#wasAttributedTo": "claimant",
    "https://w3id.org/claimgraph/ns#countKind": "count_kind",
    "https://w3id.org/claimgraph/ns#bound": "bound",
    "https://w3id.org/claimgraph/ns#modality": "modality",
    "https://w3id.org/claimgraph/ns#statedOn": "stated_on",
    "https://w3id.org/claimgraph/ns#wording": "wording",
  };
  function showProblems(form, problems) {
    $$(".problem", form).forEach((p) => { p.textContent = ""; p.classList.remove("shown"); });
    $$(".invalid", form).forEach((el) => { el.classList.remove("invalid"); el.removeAttribute("aria-invalid"); });
    let first = null;
    for (const problem of problems) {
      let field = problem.path ? (PATHS[problem.path] || String(problem.path).split(".")[0]) : "_";
      let slot = $(`.problem[data-for="${field}"]`, form);
      if (!slot) slot = $('.problem[data-for="_"]', form) || $('.problem[data-for="token"]');
      if (!slot) continue;
      slot.textContent = (slot.textContent ? slot.textContent + " " : "") + problem.message;
      slot.classList.add("shown");
      const input = $(`[name="${field}"]`, form);
      if (input) { input.classList.add("invalid"); input.setAttribute("aria-invalid", "true"); first = first || input; }
      first = first || slot;
    }
    if (first) { first.scrollIntoView({ block: "center" }); if (first.focus) first.focus(); }
  }
  async function problemsOf(response) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    const error = body.error || {};
    if (response.status === 401 || response.status === 403) {
      return [{ path: "token", message: error.message || "this token may not write" }];
    }
    const listed = (error.details && error.details.problems) || [];
    return listed.length ? listed : [{ message: error.message || `the server answered ${response.status}` }];
  }
  function authorised(form) {
    if (token()) return true;
    showProblems(form, [{ path: "token", message: "give your curator token first (above)" }]);
    const slot = $('.problem[data-for="token"]');
    if (slot) { slot.textContent = "Give your curator token here first."; slot.classList.add("shown"); $("#token").focus(); }
    return false;
  }

  // ------------------------------------------------------------ search-as-you-type
  function attachSuggest(input, url, kindOf, onPick) {
    const list = document.createElement("ul");
    list.className = "suggestions"; list.setAttribute("role", "listbox"); list.hidden = true;
    list.id = input.id + "-list";
    input.setAttribute("role", "combobox"); input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", list.id); input.setAttribute("aria-expanded", "false");
    input.insertAdjacentElement("afterend", list);
    let timer = null, active = -1, items = [], asked = 0;
    const close = () => { list.hidden = true; active = -1; input.setAttribute("aria-expanded", "false"); };
    const mark = () => $$("li", list).forEach((li, i) => li.setAttribute("aria-selected", i === active ? "true" : "false"));
    const pick = (item) => {
      clearTimeout(timer); asked++;  // an answer still on its way must not open the list again
      input.value = item.label; input.dataset.id = item.id; input.dataset.kind = item.kind || "";
      input.classList.add("picked"); close(); if (onPick) onPick(item, input);
    };
    const ask = async () => {
      const kind = kindOf(input);
      if (!kind) { close(); return; }
      const mine = ++asked;
      const response = await fetch(`${url}?kind=${encodeURIComponent(kind)}&q=${encodeURIComponent(input.value)}`);
      if (!response.ok || mine !== asked) return;
      items = (await response.json()).suggestions;
      list.innerHTML = "";
      list.dataset.query = input.value;  // what the items answer (tests wait for it)
      items.forEach((item, i) => {
        const li = document.createElement("li");
        li.setAttribute("role", "option"); li.dataset.id = item.id;
        li.textContent = item.label;
        const extra = document.createElement("span"); extra.className = "sid";
        extra.textContent = item.matched && item.matched !== item.label ? `${item.matched} · ${item.id}` : item.id;
        li.appendChild(extra);
        li.addEventListener("mousedown", (e) => { e.preventDefault(); pick(items[i]); });
        list.appendChild(li);
      });
      active = items.length ? 0 : -1; mark();
      list.hidden = !items.length || document.activeElement !== input;
      input.setAttribute("aria-expanded", String(!list.hidden));
    };
    input.addEventListener("input", () => {
      delete input.dataset.id; input.classList.remove("picked");
      clearTimeout(timer); timer = setTimeout(ask, 120);
    });
    input.addEventListener("focus", () => { if (!input.dataset.id) { clearTimeout(timer); timer = setTimeout(ask, 60); } });
    input.addEventListener("blur", () => setTimeout(close, 100));
    input.addEventListener("keydown", (e) => {
      if (list.hidden) return;
      if (e.key === "ArrowDown" || e.key === "ArrowUp") {
        e.preventDefault();
        active = (active + (e.key === "ArrowDown" ? 1 : items.length - 1)) % items.length; mark();
      } else if ((e.key === "Enter" || e.key === "Tab") && active >= 0 && items[active]) {
        if (e.key === "Enter") e.preventDefault();
        pick(items[active]);
      } else if (e.key === "Escape") { e.stopPropagation(); close(); }
    });
    return { close };
  }
  // What an entity field holds: the id picked, or what was typed (an id, checked by the server).
  const idOf = (input) => (input.dataset.id || input.value.trim()) || null;
  function setPicked(input, id, label) {
    if (!id) { input.value = ""; delete input.dataset.id; input.classList.remove("picked"); return; }
    input.value = label || id; input.dataset.id = id; input.classList.add("picked");
  }

  // ------------------------------------------------------------ the annotation page
  function annotatePage(root) {
    const form = $("#claim-form"), textBox = $("#text"), status = $("#status");
    const suggestUrl = root.dataset.suggest;
    const state = { text: "", cps: [], claims: [], drafts: [], labels: {}, quote: null, fresh: null,
      current: -1, rejected: new Set(), pending: [], lastEntityField: null, creator: null, properties: {} };

    // The text, cut at every claim's and draft's boundaries; each piece knows its code point.
    function draw() {
      const cuts = new Set([0, state.cps.length]);
      const live = state.drafts.filter((d) => !state.rejected.has(d.n));
      for (const c of state.claims) { cuts.add(c.start); cuts.add(c.end); }
      for (const d of live) { cuts.add(d.start); cuts.add(d.end); }
      if (state.quote) { cuts.add(state.quote.start); cuts.add(state.quote.end); }
      const points = Array.from(cuts).filter((x) => x >= 0 && x <= state.cps.length).sort((a, b) => a - b);
      const frag = document.createDocumentFragment();
      for (let i = 0; i + 1 < points.length; i++) {
        const a = points[i], b = points[i + 1];
        const span = document.createElement("span");
        span.dataset.s = String(a);
        span.textContent = state.cps.slice(a, b).join("");
        const over = state.claims.filter((c) => c.start <= a && b <= c.end);
        const drafted = live.filter((d) => d.start <= a && b <= d.end);
        if (state.quote && state.quote.start <= a && b <= state.quote.end) span.classList.add("selected");
        let node = span;
        if (over.length) {
          const mark = document.createElement("mark");
          mark.className = "claim" + (over.some((c) => c.iri === state.fresh) ? " new" : "");
          mark.dataset.claims = over.map((c) => c.iri).join(" ");
          mark.title = over.map((c) => `${c.predicate.split(/[#/]/).pop()}: ${c.value.split(/[#/]/).pop()}`).join("\n");
          mark.appendChild(span); node = mark;
        }
        if (drafted.length) {
          span.classList.add("drafted");
          span.dataset.drafts = drafted.map((d) => d.n).join(" ");
          if (drafted.some((d) => d.n === currentDraft())) span.classList.add("current-draft");
        }
        frag.appendChild(node);
      }
      textBox.replaceChildren(frag);
      textBox.setAttribute("aria-busy", "false");
    }

    // A point of a DOM Range as a code point offset into the text.
    function offsetOf(node, offset) {
      if (node.nodeType === Node.TEXT_NODE) {
        const span = node.parentElement.closest("[data-s]");
        if (!span || !textBox.contains(span)) return null;
        return Number(span.dataset.s) + cpLength(node.data.slice(0, offset));
      }
      if (!textBox.contains(node) && node !== textBox) return null;
      const spans = $$("[data-s]", textBox);
      if (!spans.length) return 0;
      const child = node.childNodes[offset];
      if (child) {
        const first = child.matches && child.matches("[data-s]") ? child : (child.querySelector && child.querySelector("[data-s]"));
        if (first) return Number(first.dataset.s);
      }
      const inside = node === textBox ? spans : $$("[data-s]", node);
      const last = inside[inside.length - 1] || spans[spans.length - 1];
      return Number(last.dataset.s) + cpLength(last.textContent);
    }

    function selectionQuote() {
      const sel = window.getSelection();
      if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return null;
      const range = sel.getRangeAt(0);
      if (!textBox.contains(range.commonAncestorContainer) && range.commonAncestorContainer !== textBox) return null;
      let start = offsetOf(range.startContainer, range.startOffset);
      let end = offsetOf(range.endContainer, range.endOffset);
      if (start === null || end === null || end <= start) return null;
      while (start < end && /\s/.test(state.cps[start])) start++;
      while (end > start && /\s/.test(state.cps[end - 1])) end--;
      if (end <= start) return null;
      return { start, end, exact: state.cps.slice(start, end).join("") };
    }

    function openForm(quote) {
      state.quote = quote;
      $("#quote").textContent = quote.exact;
      $("#offsets").textContent = `characters ${quote.start}–${quote.end}`;
      form.hidden = false; root.classList.add("form-open");
      showProblems(form, []);
      draw();  // the quote stays marked while the form is open
    }
    function closeForm() { form.hidden = true; root.classList.remove("form-open"); state.quote = null; draw(); }
    function clearForm() {
      $$("input", form).forEach((i) => setPicked(i, null));
      $("#via-chips").replaceChildren(); state.pending = []; drawPending();
      $("#value-kind").textContent = "";
    }

    function onSelect() {
      const quote = selectionQuote();
      if (!quote) return;
      clearForm();
      if (state.creator) setPicked($("#f-claimant"), state.creator, state.labels[state.creator]);
      openForm(quote);
      $("#f-subject").focus();
    }
    textBox.addEventListener("mouseup", () => setTimeout(onSelect, 0));
    // A selection made with Shift and the arrow keys (caret browsing) opens the form when Shift is let go.
    textBox.addEventListener("keyup", (e) => { if (e.key === "Shift") onSelect(); });
    textBox.addEventListener("touchend", () => setTimeout(onSelect, 300));
    textBox.addEventListener("click", (e) => {
      const span = e.target.closest && e.target.closest("[data-drafts]");
      if (span && window.getSelection().isCollapsed) {
        const n = Number(span.dataset.drafts.split(" ")[0]);
        state.current = liveDrafts().findIndex((d) => d.n === n); showCurrent(); accept();
      }
    });

    // The suggestions of every field; the value field offers entities unless the property takes a literal.
    $$("input[data-suggest]", form).forEach((input) => {
      attachSuggest(input, suggestUrl, (el) => {
        if (el.id === "f-value") {
          const kind = state.properties[idOf($("#f-predicate")) || ""];
          return kind && kind !== "entity" ? null : "entity";
        }
        return el.dataset.suggest;
      }, (item, el) => {
        if (el.id === "f-predicate") { state.properties[item.id] = item.kind; $("#value-kind").textContent = `(${item.kind})`; }
        if (el.id === "f-via") { addChip(item.id, item.label); setPicked(el, null); }
      });
      if (input.dataset.suggest !== "property" && input.dataset.suggest !== "count_kind") {
        input.addEventListener("focus", () => { state.lastEntityField = input; });
      }
    });

    function addChip(id, label) {
      const li = document.createElement("li");
      li.dataset.id = id; li.textContent = label || id;
      const x = document.createElement("button");
      x.type = "button"; x.textContent = "×"; x.setAttribute("aria-label", `remove ${label || id}`);
      x.addEventListener("click", () => li.remove());
      li.appendChild(x); $("#via-chips").appendChild(li);
    }

    // New entities and agents, sent with the claim.
    function drawPending() {
      const list = $("#pending"); list.replaceChildren();
      for (const e of state.pending) {
        const li = document.createElement("li"); li.textContent = `${e.label} (${e.id}, ${e.type}) — new`; list.appendChild(li);
      }
    }
    $("#n-label").addEventListener("input", () => {
      $("#n-id").value = $("#n-label").value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
    });
    $('[data-action="new-entity"]', form).addEventListener("click", () => {
      const label = $("#n-label").value.trim(), id = $("#n-id").value.trim();
      const option = $("#n-type").selectedOptions[0];
      if (!label || !id) { showProblems(form, [{ path: "entities", message: "a new entity needs a label and an id" }]); return; }
      const alt = $("#n-alt").value.split(",").map((s) => s.trim()).filter(Boolean);
      state.pending.push({ id, label, type: option.value, agent: !!option.dataset.agent, alt_labels: alt });
      state.labels[id] = label;
      const target = state.lastEntityField;
      if (target && target.id === "f-via") addChip(id, label); else if (target) setPicked(target, id, label);
      ["#n-label", "#n-id", "#n-alt"].forEach((s) => { $(s).value = ""; });
      drawPending(); $("#new-entity").open = false;
      showProblems(form, []);
    });

    function claimBody() {
      const body = { document: root.dataset.document, quote: state.quote && state.quote.exact,
        start: state.quote && state.quote.start, end: state.quote && state.quote.end };
      const subject = idOf($("#f-subject")); if (subject) body.subject = subject;
      const predicate = idOf($("#f-predicate")); if (predicate) body.predicate = predicate;
      const value = $("#f-value");
      if (value.dataset.id) body.object = value.dataset.id; else if (value.value.trim()) body.value = value.value.trim();
      const claimant = idOf($("#f-claimant")); if (claimant) body.claimant = claimant;
      const via = $$("#via-chips li").map((li) => li.dataset.id);
      const typed = idOf($("#f-via")); if (typed) via.push(typed);
      if (via.length) body.via = via;
      const medium = idOf($("#f-medium")); if (medium) body.medium = medium;
      const kind = idOf($("#f-count_kind")); if (kind) body.count_kind = kind;
      $$("fieldset.qualifiers input", form).forEach((i) => { if (i.value.trim()) body[i.name] = i.value.trim(); });
      const used = new Set([body.subject, body.object, body.claimant, body.medium, ...(body.via || [])]);
      const entities = state.pending.filter((e) => used.has(e.id));
      if (entities.length) body.entities = entities.map((e) => ({ id: e.id, label: e.label, type: e.type, agent: e.agent, alt_labels: e.alt_labels }));
      return body;
    }

    async function submit() {
      if (!state.quote) return;
      if (!authorised(form)) return;
      const button = $("#submit"); button.disabled = true;
      status.textContent = "Recording…";
      try {
        const response = await fetch(root.dataset.claims, {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Bearer ${token()}` },
          body: JSON.stringify(claimBody()),
        });
        if (!response.ok) {
          showProblems(form, await problemsOf(response));
          status.textContent = "Not recorded: see the problems in the form.";
          return;
        }
        const report = await response.json();
        const iri = report.claims[0];
        const quote = state.quote;
        if (!state.claims.some((c) => c.iri === iri)) {
          state.claims.push({ iri, start: quote.start, end: quote.end, predicate: idOf($("#f-predicate")) || "", value: $("#f-value").value, claimant: "" });
        }
        state.fresh = iri;
        const draft = currentDraft();
        if (draft !== null && liveDrafts()[state.current] && liveDrafts()[state.current].start === quote.start) state.rejected.add(draft);
        closeForm(); clearForm(); draw(); drawDrafts();
        status.replaceChildren(document.createTextNode(report.added ? "Recorded: " : "Already recorded: "));
        const link = document.createElement("a"); link.href = iri.startsWith(root.dataset.base) ? "/" + iri.slice(root.dataset.base.length) : iri;
        link.textContent = quote.exact.length > 60 ? quote.exact.slice(0, 59) + "…" : quote.exact;
        status.appendChild(link);
        const mark = $(`mark.new`, textBox); if (mark) mark.scrollIntoView({ block: "center" });
        window.getSelection().removeAllRanges();
      } finally { button.disabled = false; }
    }
    form.addEventListener("submit", (e) => { e.preventDefault(); submit(); });
    // Enter in a field chooses a suggestion, never records by accident: Ctrl+Enter records.
    form.addEventListener("keydown", (e) => {
      if (e.key === "Enter" && !e.ctrlKey && !e.metaKey && e.target.matches("input")) e.preventDefault();
    });
    $$('[data-action="close"]', form).forEach((b) => b.addEventListener("click", closeForm));

    // Drafts: proposals to accept (into the form), edit, or reject.
    // A draft inside a recorded claim's quote is taken as recorded.
    const liveDrafts = () => state.drafts.filter((d) => !state.rejected.has(d.n) && !state.claims.some((c) => c.start <= d.start && d.end <= c.end));
    const currentDraft = () => { const d = liveDrafts()[state.current]; return d ? d.n : null; };
    function drawDrafts() {
      const list = $("#drafts"); list.replaceChildren();
      const live = liveDrafts();
      $("#draft-count").textContent = `(${live.length})`;
      live.forEach((d, i) => {
        const li = document.createElement("li");
        li.dataset.n = String(d.n); li.className = "draft" + (i === state.current ? " current" : "");
        const q = document.createElement("q"); q.textContent = d.quote;
        const what = document.createElement("span"); what.className = "what";
        what.textContent = [d.predicate, d.value, d.count_kind, d.claimant && `— ${state.labels[d.claimant] || d.claimant}`].filter(Boolean).join(" ");
        const ok = document.createElement("button"); ok.type = "button"; ok.textContent = "accept"; ok.className = "accept";
        ok.addEventListener("click", () => { state.current = i; accept(); });
        const no = document.createElement("button"); no.type = "button"; no.textContent = "reject"; no.className = "reject";
        no.addEventListener("click", () => { state.current = i; reject(); });
        li.append(q, " ", what, " ", ok, " ", no);
        list.appendChild(li);
      });
    }
    function showCurrent() {
      drawDrafts(); draw();
      const li = $(`#drafts li.current`); if (li) li.scrollIntoView({ block: "nearest" });
      const span = $(".current-draft", textBox); if (span) span.scrollIntoView({ block: "center" });
    }
    function accept() {
      const d = liveDrafts()[state.current];
      if (!d) return;
      clearForm();
      openForm({ start: d.start, end: d.end, exact: d.quote });
      setPicked($("#f-subject"), d.subject, state.labels[d.subject]);
      setPicked($("#f-predicate"), d.predicate, d.predicate);
      if (d.predicate) state.properties[d.predicate] = state.properties[d.predicate] || (d.kind === "number" ? "count" : d.kind === "date" ? "date" : undefined);
      $("#f-value").value = d.value || "";
      setPicked($("#f-claimant"), d.claimant || state.creator, state.labels[d.claimant || state.creator]);
      (d.via || []).forEach((v) => addChip(v, state.labels[v]));
      if (d.medium && (d.via.length || d.claimant !== state.creator)) setPicked($("#f-medium"), d.medium, state.labels[d.medium]);
      if (d.count_kind) setPicked($("#f-count_kind"), d.count_kind, d.count_kind);
      if (d.bound && $("#f-bound")) $("#f-bound").value = d.bound;
      if (d.wording && $("#f-wording")) $("#f-wording").value = d.wording;
      $("#submit").focus();
    }
    function reject() {
      const n = currentDraft(); if (n === null) return;
      state.rejected.add(n);
      state.current = Math.min(state.current, liveDrafts().length - 1);
      showCurrent();
    }
    document.addEventListener("keydown", (e) => {
      const typing = e.target.closest && e.target.closest("input, textarea, select");
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !form.hidden) { e.preventDefault(); submit(); return; }
      if (e.key === "Escape" && !form.hidden) { closeForm(); return; }
      if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
      const live = liveDrafts();
      if (e.key === "n" && live.length) { state.current = (state.current + 1) % live.length; showCurrent(); }
      else if (e.key === "p" && live.length) { state.current = (state.current - 1 + live.length) % live.length; showCurrent(); }
      else if (e.key === "a") { if (state.current < 0 && live.length) state.current = 0; accept(); }
      else if (e.key === "x") reject();
    });

    (async () => {
      const response = await fetch(root.dataset.source);
      const data = await response.json();
      state.text = data.text; state.cps = Array.from(data.text); state.claims = data.claims; state.creator = data.creator;
      draw();
      const drafts = await fetch(root.dataset.drafts);
      if (drafts.ok) {
        const body = await drafts.json();
        state.drafts = body.drafts; Object.assign(state.labels, body.labels || {});
        draw(); drawDrafts();
      }
      root.dataset.ready = "1";
    })();
  }

  // ------------------------------------------------------------ adding a document
  function documentPage(form) {
    const status = $("#status");
    $$("input[data-suggest]", form).forEach((input) => attachSuggest(input, form.dataset.suggest, (el) => el.dataset.suggest));
    form.addEventListener("submit", async (e) => {
      e.preventDefault();
      if (!authorised(form)) return;
      const data = new FormData(form);
      const creator = $("#d-creator"); data.set("creator", idOf(creator) || "");
      if (!$("#d-file").files.length) data.delete("file");
      status.textContent = "Adding…";
      const response = await fetch(form.dataset.action, { method: "POST", headers: { Authorization: `Bearer ${token()}` }, body: data });
      if (!response.ok) { showProblems(form, await problemsOf(response)); status.textContent = "Not added: see the problems in the form."; return; }
      const body = await response.json();
      showProblems(form, []);
      status.replaceChildren(document.createTextNode("Added. "));
      const link = document.createElement("a"); link.href = body.annotate; link.textContent = "Annotate it now";
      status.appendChild(link);
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupToken();
    const root = $("#annotate"); if (root) annotatePage(root);
    const form = $("#document-form"); if (form) documentPage(form);
  });
})();
