// The chat page of ragops serve: asks /v1/chat (or /v1/query when conversations are off), shows answers with
// their citations and sources, sends ratings to /v1/feedback. Plain DOM, no library, no inline script (the page's
// Content-Security-Policy forbids it); every text from the service is set as text, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "ragops.token";
  const POLL_MS = 2000;
  const EXCERPT_CHARS = 220; // passage text shown either side of the supporting sentence before "Show more"

  const $ = (id) => document.getElementById(id);
  // Smooth scrolling unless the reader asked the system for less motion.
  const scrolling = () => (window.matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth");
  const ui = {
    title: $("title"),
    restart: $("restart"),
    status: $("status"),
    alert: $("alert"),
    log: $("log"),
    empty: $("empty"),
    announce: $("announce"),
    form: $("ask"),
    question: $("question"),
    send: $("send"),
    count: $("count"),
    mode: $("mode"),
    release: $("release"),
    tokenDialog: $("token-dialog"),
    tokenForm: $("token-form"),
    tokenWhy: $("token-why"),
    token: $("token"),
  };

  const state = {
    about: null, // GET /about
    ready: false,
    wasNotReady: false,
    polling: null,
    chat: false, // whether questions go to /v1/chat
    conversation: null, // conversation_id of the current conversation
    turns: 0, // turns rendered, for element ids
    busy: false,
    answered: 0,
    afterToken: null, // what to do once a token is entered
  };

  // ---- small DOM helpers ----------------------------------------------------------------------------------------

  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  const SVG = "http://www.w3.org/2000/svg";
  const THUMB = "M2 10h3v10H2zm5 10h9.2a2 2 0 0 0 2-1.6l1.6-7A2 2 0 0 0 17.8 9H13l.8-4.2a1.6 1.6 0 0 0-2.9-1.2L7 9.5z";

  function thumbIcon(down) {
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 22 22");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const path = document.createElementNS(SVG, "path");
    path.setAttribute("d", THUMB);
    if (down) path.setAttribute("transform", "rotate(180 11 11)");
    svg.append(path);
    return svg;
  }

  function say(text, kind = "") {
    ui.status.textContent = text;
    ui.status.className = kind ? `status ${kind}` : "status";
  }

  function warn(text) {
    ui.alert.textContent = text;
    ui.alert.hidden = !text;
  }

  // ---- talking to the service -----------------------------------------------------------------------------------

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY);
    } catch {
      return null;
    }
  }

  async function call(method, path, body) {
    const headers = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const bearer = token();
    if (bearer && path.startsWith("/v1/")) headers.Authorization = `Bearer ${bearer}`;
    let response;
    try {
      response = await fetch(path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: "no-store",
        credentials: "same-origin",
      });
    } catch {
      return { status: 0, data: null, headers: new Headers() };
    }
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, data, headers: response.headers };
  }

  function detailText(data) {
    if (!data || data.detail === undefined || data.detail === null) return "";
    if (typeof data.detail === "string") return data.detail;
    if (Array.isArray(data.detail) && data.detail.length) return String(data.detail[0].msg || "");
    return "";
  }

  function loading(detail) {
    return /still loading|not ready|failed to load/i.test(detail);
  }

  // A refusal in plain words; kind tells the caller what to do about it.
  function explain(reply) {
    const detail = detailText(reply.data);
    const limit = state.about ? state.about.max_question_chars : null;
    switch (reply.status) {
      case 0:
        return { kind: "unreachable", text: "The service cannot be reached. Check your connection; the page keeps trying." };
      case 401:
        return { kind: "token", text: "The access token was not accepted. Enter a valid token to go on." };
      case 413:
        return { kind: "long", text: "Your question is too long for this service. Please shorten it." };
      case 422:
        if (Array.isArray(reply.data?.detail) && reply.data.detail[0]?.type === "string_too_long") {
          return { kind: "long", text: `Your question is too long: ${detail}. Please shorten it.` };
        }
        return { kind: "invalid", text: `The service could not read this question: ${detail || "it is not valid"}.` };
      case 429: {
        const wait = Number.parseInt(reply.headers.get("Retry-After") || "1", 10) || 1;
        return {
          kind: "limited",
          wait,
          text: `You are sending questions faster than this service allows. Please wait ${wait} second${wait === 1 ? "" : "s"} and try again.`,
        };
      }
      case 503:
        if (loading(detail)) {
          return {
            kind: "not-ready",
            text: "Your question was not answered: the service is not ready yet. Ask again when this page says it is ready; your question is kept in the box.",
          };
        }
        return { kind: "unavailable", text: `The service could not answer just now (${detail || "a service it needs is down"}). Please try again in a moment.` };
      default:
        return {
          kind: "other",
          text: `Something went wrong on the service (HTTP ${reply.status}${detail ? `: ${detail}` : ""}). Please try again.`,
        };
    }
  }

  // ---- readiness, release and mode ------------------------------------------------------------------------------

  function showAbout(about) {
    state.about = about;
    if (about.app) {
      ui.title.textContent = `Ask ${about.app}`;
      document.title = `Ask ${about.app}`;
    }
    if (about.release) {
      ui.release.replaceChildren(
        "Release ",
        el("code", { text: about.release }),
        about.environment ? ` · ${about.environment}` : "",
      );
    } else if (about.ready) {
      ui.release.textContent = "Release: none (served without a release manifest)";
    }
    showMode();
  }

  function showMode() {
    ui.mode.textContent = state.chat
      ? "Conversation: follow-up questions build on the earlier ones"
      : "Single questions: each is answered on its own";
  }

  async function refreshAbout() {
    const reply = await call("GET", "/about");
    if (reply.status !== 200 || !reply.data) {
      say("");
      warn(explain(reply.status === 0 ? reply : { ...reply, status: 503, data: { detail: "not ready" } }).text);
      state.wasNotReady = true;
      schedulePoll();
      return;
    }
    const about = reply.data;
    const first = state.about === null;
    if (first) {
      state.chat = about.conversations;
      if (!about.conversations) {
        say("Conversations are not enabled on this service: each question is answered on its own.");
      }
    }
    showAbout(about);
    state.ready = about.ready;
    if (!about.ready) {
      state.wasNotReady = true;
      warn("");
      say(
        /failed to load/i.test(about.detail || "")
          ? `The service could not load its documents (${about.detail}). Tell whoever runs it.`
          : "The service is not ready yet: it is still loading its documents. This page will tell you when it is ready.",
      );
      schedulePoll();
    } else {
      stopPolling();
      if (state.wasNotReady) {
        state.wasNotReady = false;
        warn("");
        say("The service is ready now. Ask your question.", "ok");
      }
    }
    if (first && about.auth && !token()) askToken("This service needs an access token. It is kept in this browser tab only, until you close it.");
  }

  function schedulePoll() {
    if (state.polling !== null) return;
    state.polling = setTimeout(() => {
      state.polling = null;
      refreshAbout();
    }, POLL_MS);
  }

  function stopPolling() {
    if (state.polling !== null) clearTimeout(state.polling);
    state.polling = null;
  }

  // ---- the access token -----------------------------------------------------------------------------------------

  function askToken(why, then = null) {
    ui.tokenWhy.textContent = why;
    ui.tokenWhy.className = /not accepted/.test(why) ? "problem" : "";
    state.afterToken = then;
    ui.token.value = "";
    if (!ui.tokenDialog.open) ui.tokenDialog.showModal();
    ui.token.focus();
  }

  ui.tokenForm.addEventListener("submit", (event) => {
    const value = ui.token.value.trim();
    if (!value) {
      event.preventDefault();
      ui.tokenWhy.textContent = "Enter the token you were given to go on.";
      ui.tokenWhy.className = "problem";
      return;
    }
    try {
      sessionStorage.setItem(TOKEN_KEY, value);
    } catch {
      /* storage refused (private mode): the token is lost on reload, asked again */
    }
    const then = state.afterToken;
    state.afterToken = null;
    warn("");
    setTimeout(() => {
      ui.question.focus();
      if (then) then();
    });
  });

  ui.tokenDialog.addEventListener("cancel", () => {
    if (!token()) warn("An access token is needed to ask questions. Reload the page to enter one.");
  });

  // ---- asking ---------------------------------------------------------------------------------------------------

  function setBusy(busy) {
    state.busy = busy;
    ui.send.textContent = busy ? "Asking…" : "Ask";
    ui.send.setAttribute("aria-disabled", busy ? "true" : "false");
    ui.log.setAttribute("aria-busy", busy ? "true" : "false");
  }

  function updateCount() {
    const limit = state.about ? state.about.max_question_chars : null;
    const length = ui.question.value.length;
    if (!limit || length < limit * 0.8) {
      ui.count.textContent = "";
      return;
    }
    ui.count.textContent = `${length} of at most ${limit} characters.`;
    ui.count.className = length > limit ? "over" : "";
  }

  function startTurn(question) {
    state.turns += 1;
    const id = `t${state.turns}`;
    ui.empty.hidden = true;
    const pending = el(
      "div",
      { class: "reply pending" },
      el("span", { class: "spinner", "aria-hidden": "true" }),
      el("span", { text: "Looking through the documents…" }),
    );
    const article = el(
      "article",
      { class: "turn", id, "aria-labelledby": `${id}-q` },
      el("h2", { id: `${id}-q` }, el("span", { class: "visually-hidden", text: "You asked: " }), question),
      pending,
    );
    ui.log.append(article);
    pending.scrollIntoView({ block: "nearest" });
    return { id, article, pending };
  }

  async function ask(question, turn = null) {
    const endpoint = state.chat ? "/v1/chat" : "/v1/query";
    const body = { question };
    if (state.chat && state.conversation) body.conversation_id = state.conversation;
    turn = turn || startTurn(question);
    const reply = await call("POST", endpoint, body);
    if (reply.status === 200 && reply.data) {
      if (state.chat) state.conversation = reply.data.conversation_id;
      ui.restart.disabled = false;
      renderAnswer(turn, reply.data);
      ui.question.value = "";
      updateCount();
      return;
    }
    if (state.chat && reply.status === 501) {
      state.chat = false;
      state.conversation = null;
      showMode();
      say("Conversations are not enabled on this service: each question is answered on its own.");
      return ask(question, turn);
    }
    if (state.chat && reply.status === 404 && state.conversation) {
      state.conversation = null;
      say("The conversation had expired, so this question starts a new one.");
      return ask(question, turn);
    }
    turn.article.remove();
    state.turns -= 1;
    if (!ui.log.querySelector(".turn")) ui.empty.hidden = false;
    const problem = explain(reply);
    if (problem.kind === "token") {
      try {
        sessionStorage.removeItem(TOKEN_KEY);
      } catch {
        /* nothing stored */
      }
      askToken(problem.text, () => submit());
      return;
    }
    warn(problem.text);
    if (problem.kind === "not-ready" || problem.kind === "unreachable") {
      state.wasNotReady = true;
      schedulePoll();
    }
    if (problem.kind === "limited") {
      ui.send.disabled = true;
      setTimeout(() => {
        ui.send.disabled = false;
      }, problem.wait * 1000);
    }
    ui.question.focus();
  }

  async function submit() {
    if (state.busy) return;
    const question = ui.question.value.trim();
    const limit = state.about ? state.about.max_question_chars : null;
    if (!question) {
      warn("Type a question first.");
      ui.question.focus();
      return;
    }
    if (limit && question.length > limit) {
      warn(`Your question is too long: it has ${question.length} characters, at most ${limit} are accepted. Please shorten it.`);
      ui.question.focus();
      return;
    }
    if (state.about && state.about.auth && !token()) {
      askToken("This service needs an access token. It is kept in this browser tab only, until you close it.", () => submit());
      return;
    }
    warn("");
    if (ui.status.classList.contains("ok")) say("");
    performance.mark("ragops:ask");
    setBusy(true);
    try {
      await ask(question);
    } finally {
      setBusy(false);
    }
  }

  // ---- rendering an answer --------------------------------------------------------------------------------------

  function sourceName(source) {
    return source.title || source.doc_id;
  }

  function citationLink(id, source, index) {
    const link = el("a", {
      class: "cite",
      href: `#${id}-s${index + 1}`,
      "aria-label": `Source ${index + 1}: ${sourceName(source)}`,
      text: `[${index + 1}]`,
    });
    link.addEventListener("click", (event) => {
      const target = document.getElementById(`${id}-s${index + 1}`);
      if (!target) return;
      event.preventDefault();
      const details = target.closest("details");
      if (details) details.open = true;
      target.scrollIntoView({ block: "nearest", behavior: scrolling() });
      target.focus({ preventScroll: true });
      target.classList.add("flash");
      setTimeout(() => target.classList.remove("flash"), 1600);
    });
    return link;
  }

  function answerParagraph(id, data) {
    const paragraph = el("p", { class: "answer" }, el("span", { class: "visually-hidden", text: "Answer: " }));
    if (!data.answer.trim()) {
      paragraph.classList.add("none");
      paragraph.append("No answer was found in the documents for this question.");
      return paragraph;
    }
    const citations = [...data.citations]
      .filter((c) => c.source >= 0 && c.source < data.sources.length)
      .sort((a, b) => a.start - b.start);
    let at = 0;
    for (const citation of citations) {
      if (citation.start < at) continue;
      paragraph.append(data.answer.slice(at, citation.start));
      paragraph.append(citationLink(id, data.sources[citation.source], citation.source));
      at = citation.end;
    }
    paragraph.append(data.answer.slice(at));
    return paragraph;
  }

  // The passage with its supporting sentences marked; long passages are cut around them, with a toggle.
  function passage(source) {
    const text = source.text;
    const spans = (source.supporting || []).filter((s) => s.start >= 0 && s.end <= text.length && s.start < s.end);
    const block = el("blockquote", { class: "passage" });
    const render = (whole) => {
      block.replaceChildren();
      const from = spans.length ? spans[0].start : 0;
      const to = spans.length ? spans[spans.length - 1].end : 0;
      let start = whole ? 0 : Math.max(0, from - EXCERPT_CHARS);
      let end = whole ? text.length : Math.min(text.length, to + EXCERPT_CHARS * (spans.length ? 1 : 2));
      // Cut at a line break or between words, never into a supporting sentence.
      if (start > 0) {
        const line = text.indexOf("\n", start);
        const space = text.indexOf(" ", start);
        if (line >= 0 && line < from) start = line + 1;
        else if (space >= 0 && space < from) start = space + 1;
      }
      if (end < text.length) {
        const space = text.lastIndexOf(" ", end);
        if (space > to) end = space;
      }
      if (start > 0) block.append("… ");
      let at = start;
      for (const span of spans) {
        if (span.start < at) continue;
        block.append(text.slice(at, span.start));
        block.append(
          el("mark", {}, el("span", { class: "visually-hidden", text: "Supporting sentence: " }), text.slice(span.start, span.end)),
        );
        at = span.end;
      }
      block.append(text.slice(at, end));
      if (end < text.length) block.append(" …");
      return start > 0 || end < text.length;
    };
    const cut = render(false);
    if (!cut) return [block];
    const toggle = el("button", { type: "button", class: "more", "aria-expanded": "false", text: "Show the whole passage" });
    toggle.addEventListener("click", () => {
      const open = toggle.getAttribute("aria-expanded") !== "true";
      render(open);
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      toggle.textContent = open ? "Show less" : "Show the whole passage";
    });
    return [block, toggle];
  }

  function sourceItem(id, source, index, cited) {
    const score = Number(source.score);
    return el(
      "li",
      { class: cited ? "source cited" : "source", id: `${id}-s${index + 1}`, tabindex: "-1" },
      el(
        "div",
        { class: "meta" },
        el("span", { class: "n", text: `[${index + 1}]` }),
        el(
          "div",
          { class: "head" },
          el("span", { class: "name", text: sourceName(source) }),
          el(
            "div",
            { class: "facts" },
            source.title ? el("span", { class: "doc", text: source.doc_id }) : null,
            el("span", { class: "score", text: `score ${Number.isFinite(score) ? score.toPrecision(3) : source.score}` }),
            cited ? el("span", { class: "badge", text: "cited" }) : null,
          ),
        ),
      ),
      ...passage(source),
    );
  }

  // The passages the answer cites: those its citations point at, else those of the documents it draws on.
  function citedPassages(data) {
    const pointed = new Set(data.citations.map((c) => c.source));
    return data.sources.map((source, index) => (pointed.size ? pointed.has(index) : source.cited));
  }

  function sourcesSection(id, data) {
    const isCited = citedPassages(data);
    const numbered = data.sources.map((source, index) => ({ source, index, cited: isCited[index] }));
    const cited = numbered.filter((s) => s.cited);
    const main = cited.length ? cited : numbered;
    const others = cited.length ? numbered.filter((s) => !s.cited) : [];
    const section = el(
      "section",
      { class: "sources", "aria-labelledby": `${id}-src` },
      el("h3", { id: `${id}-src`, text: cited.length ? "Sources" : "Retrieved passages" }),
      el("ol", {}, ...main.map((s) => sourceItem(id, s.source, s.index, s.cited))),
    );
    if (others.length) {
      section.append(
        el(
          "details",
          { class: "also" },
          el("summary", { text: `Also retrieved, not cited (${others.length})` }),
          el("ol", {}, ...others.map((s) => sourceItem(id, s.source, s.index, false))),
        ),
      );
    }
    return section;
  }

  function feedbackGroup(id, requestId) {
    const group = el("div", { class: "feedback", role: "group", "aria-labelledby": `${id}-rate` });
    const label = el("span", { id: `${id}-rate`, text: "Was this answer helpful?" });
    const up = el("button", { type: "button", class: "thumb", "aria-pressed": "false", "aria-label": "Helpful" }, thumbIcon(false));
    const down = el("button", { type: "button", class: "thumb", "aria-pressed": "false", "aria-label": "Not helpful" }, thumbIcon(true));
    const thanks = el("p", { class: "thanks", role: "status" });
    const commentId = `${id}-comment`;
    const comment = el("textarea", { id: commentId, maxlength: "4000", rows: "2" });
    const commentLabel = el("label", { for: commentId, text: "Comment (optional)" });
    const sendButton = el("button", { type: "submit", text: "Send feedback" });
    const form = el("form", { class: "comment", hidden: true }, commentLabel, comment, sendButton);
    let rating = null;

    // A service that keeps no users' text (no --feedback-text) would drop a comment: the rating is sent at once.
    const comments = Boolean(state.about && state.about.comments);
    const choose = (chosen) => {
      rating = chosen;
      up.setAttribute("aria-pressed", chosen === "up" ? "true" : "false");
      down.setAttribute("aria-pressed", chosen === "down" ? "true" : "false");
      if (!comments) {
        send();
        return;
      }
      commentLabel.textContent = chosen === "up" ? "Anything to add? (optional)" : "What was wrong or missing? (optional)";
      form.hidden = false;
      comment.focus();
    };
    up.addEventListener("click", () => choose("up"));
    down.addEventListener("click", () => choose("down"));

    const send = async () => {
      const body = { request_id: requestId, rating };
      const text = comment.value.trim();
      if (text) body.comment = text;
      sendButton.disabled = true;
      up.disabled = true;
      down.disabled = true;
      const reply = await call("POST", "/v1/feedback", body);
      sendButton.disabled = false;
      up.disabled = false;
      down.disabled = false;
      if (reply.status === 200) {
        form.remove();
        up.disabled = true;
        down.disabled = true;
        thanks.className = "thanks";
        thanks.textContent = "Thank you: your feedback was recorded.";
        return;
      }
      thanks.className = "thanks failed";
      if (reply.status === 404) {
        thanks.textContent = "This answer can no longer be rated: the service no longer knows it.";
      } else {
        const problem = explain(reply);
        if (problem.kind === "token") {
          try {
            sessionStorage.removeItem(TOKEN_KEY);
          } catch {
            /* nothing stored */
          }
          askToken(problem.text, send);
        }
        thanks.textContent = `Your feedback was not recorded. ${problem.text}`;
      }
    };
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (rating) send();
    });
    group.append(label, up, down, form, thanks);
    return group;
  }

  function renderAnswer(turn, data) {
    const reply = el("div", { class: "reply" }, answerParagraph(turn.id, data));
    if (data.carried && data.standalone_question) {
      reply.append(el("p", { class: "standalone", text: `Answered as: “${data.standalone_question}”` }));
    }
    if (state.about && state.about.feedback) reply.append(feedbackGroup(turn.id, data.request_id));
    if (data.sources.length) reply.append(sourcesSection(turn.id, data));
    turn.pending.replaceWith(reply);
    state.answered += 1;
    performance.mark("ragops:answer");
    const cited = citedPassages(data).filter(Boolean).length;
    ui.announce.textContent = `Answer: ${data.answer || "no answer was found"}. ${cited} cited source${cited === 1 ? "" : "s"} below.`;
    turn.article.querySelector("h2").scrollIntoView({ block: "start", behavior: scrolling() });
  }

  // ---- wiring ---------------------------------------------------------------------------------------------------

  ui.form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit();
  });
  ui.question.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submit();
    }
  });
  ui.question.addEventListener("input", () => {
    updateCount();
    if (ui.alert.textContent && !state.busy) warn("");
  });
  ui.restart.addEventListener("click", () => {
    state.conversation = null;
    state.turns = 0;
    for (const turn of ui.log.querySelectorAll(".turn")) turn.remove();
    ui.empty.hidden = false;
    ui.restart.disabled = true;
    warn("");
    say("Started a new conversation.");
    ui.question.focus();
  });

  setBusy(false);
  refreshAbout();
})();
