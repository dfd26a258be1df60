// The queue page's behaviour: decisions without reloading, keyboard
// shortcuts and batch selection. Every action is a JSON post carrying the
// CSRF token; the server answers with the re-rendered card and the counts.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const list = document.getElementById("cards");
const decidedList = document.getElementById("decided");
const cards = () => Array.from(list.querySelectorAll(":scope > .card"));
const notice = document.getElementById("notice");
const rejectDialog = document.getElementById("reject-dialog");
const helpDialog = document.getElementById("help-dialog");

function say(message, isError) {
  notice.textContent = message;
  notice.className = "flash " + (isError ? "error" : "info");
  notice.hidden = false;
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
    body: JSON.stringify(body),
  });
  if (response.redirected && new URL(response.url).pathname === "/login") {
    throw new Error("Your session has ended: reload the page and sign in again.");
  }
  if (!response.ok) {
    let message = `The server refused (${response.status}).`;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.json();
}

function cardOf(id) {
  return document.getElementById("comment-" + id);
}

function showOnCard(card, message, isError) {
  const box = card.querySelector(".card-message");
  box.textContent = message;
  box.classList.toggle("error", Boolean(isError));
  box.hidden = false;
}

// The tab a card belongs to now: on the pending tab a decided card leaves
// the list for "Decided just now", where its undo stays within reach.
function belongsHere(card) {
  const tab = list.dataset.tab;
  return tab === "all" || card.dataset.status === (tab === "reported" ? "pending" : tab);
}

function place(card) {
  const here = belongsHere(card);
  if (here && card.parentElement !== list) list.append(card);
  if (!here && card.parentElement !== decidedList) decidedList.prepend(card);
  document.getElementById("decided-section").hidden = decidedList.children.length === 0;
  document.getElementById("empty").hidden = cards().length > 0;
  const total = cards().length + Number(document.getElementById("total").dataset.total) - initialShown;
  document.getElementById("total").textContent = `${total} comment${total === 1 ? "" : "s"}`;
}

const initialShown = cards().length;

function replaceCard(result) {
  const old = cardOf(result.id);
  if (!old) return null;
  if (!result.card) {
    // Refused without a change (a missing note, an undo not allowed): the
    // card stays as it is and says why, where the moderator is looking.
    showOnCard(old, result.message, true);
    return old;
  }
  const holder = document.createElement("div");
  holder.innerHTML = result.card.trim();
  const fresh = holder.firstElementChild;
  fresh.querySelector(".pick").checked = old.querySelector(".pick").checked && !result.error;
  old.replaceWith(fresh);
  if (result.message) showOnCard(fresh, result.message, Boolean(result.error));
  return fresh;
}

function showCounts(counts) {
  if (!counts) return;
  for (const [tab, count] of Object.entries(counts)) {
    const badge = document.querySelector(`[data-count="${tab}"]`);
    if (badge) badge.textContent = count;
  }
}

async function act(url, body, targets) {
  // Where focus goes once it worked: the next card still in the list.
  const single = targets.length === 1 ? targets[0] : null;
  const after = single && single.parentElement === list ? nextCard(single, 1, true) : null;
  let outcome;
  try {
    outcome = await post(url, body);
  } catch (error) {
    if (single) showOnCard(single, error.message, true);
    say(error.message, true);
    single?.focus();
    return;
  }
  const refused = [];
  let done = 0;
  for (const result of outcome.results) {
    const card = replaceCard(result);
    if (result.error) refused.push(card);
    else done += 1;
    if (card && !result.error) place(card);
  }
  showCounts(outcome.counts);
  updateSelection();
  if (refused.length) {
    const first = outcome.results.find((r) => r.error);
    say(
      (done ? `${done} updated; ` : "") +
        `${refused.length} not: ${first.message}` +
        (refused.length > 1 ? " (each card says why)" : ""),
      true,
    );
    refused[0]?.focus();
    return;
  }
  say(`${done} comment${done === 1 ? "" : "s"} updated.`, false);
  const landed = single ? cardOf(outcome.results[0].id) : null;
  (landed && landed.parentElement === list ? after || landed : after || cards()[0])?.focus();
}

function itemOf(card) {
  return { id: Number(card.dataset.id), version: Number(card.dataset.version) };
}

function nextCard(card, step, skipSelf) {
  const all = cards();
  const at = all.indexOf(card);
  if (skipSelf) return all[at + 1] || all[at - 1] || null;
  return all[Math.min(all.length - 1, Math.max(0, at + step))];
}

function decide(targets, action, reason, note) {
  return act("/queue/decide", { items: targets.map(itemOf), action, reason, note }, targets);
}

function undo(card) {
  return act("/queue/undo", itemOf(card), [card]);
}

let rejecting = [];

function askReject(targets) {
  rejecting = targets;
  rejectDialog.querySelector("textarea").value = "";
  rejectDialog.returnValue = "";
  rejectDialog.showModal();
}

rejectDialog.addEventListener("close", () => {
  const targets = rejecting;
  rejecting = [];
  if (rejectDialog.returnValue !== "reject") return targets[0]?.focus();
  const form = rejectDialog.querySelector("form");
  const reason = form.querySelector('input[name="reason"]:checked').value;
  decide(targets, "reject", reason, form.querySelector("textarea").value);
});
// Enter confirms from anywhere in the dialog (Shift+Enter is a new line in
// the note); Escape cancels, as any dialog does.
rejectDialog.addEventListener("keydown", (event) => {
  if (event.key !== "Enter" || event.shiftKey || event.target.id === "reject-cancel") return;
  event.preventDefault();
  rejectDialog.close("reject");
});
document.getElementById("reject-cancel").addEventListener("click", () => rejectDialog.close("cancel"));

function selected() {
  return cards().filter((card) => card.querySelector(".pick").checked);
}

function updateSelection() {
  for (const card of document.querySelectorAll(".card")) {
    const picked = card.querySelector(".pick").checked;
    card.classList.toggle("selected", picked);
    card.setAttribute("aria-selected", String(picked));
  }
  document.getElementById("selected-count").textContent = `${selected().length} selected`;
}

for (const container of [list, decidedList]) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const card = button.closest(".card");
    const action = button.dataset.action;
    if (action === "approve") decide([card], "approve");
    if (action === "reject") askReject([card]);
    if (action === "undo") undo(card);
  });
  container.addEventListener("change", updateSelection);
}

document.querySelectorAll("button[data-batch]").forEach((button) => {
  button.addEventListener("click", () => {
    const targets = selected();
    if (!targets.length) return say("Select comments first (x, or the checkboxes).", true);
    if (button.dataset.batch === "approve") decide(targets, "approve");
    else decide(targets, "reject", document.getElementById("batch-reason").value);
  });
});

document.getElementById("help-button").addEventListener("click", () => helpDialog.showModal());

// Compact view and a folded filter form are remembered in this browser.
const compactButton = document.getElementById("compact-button");
function setCompact(on) {
  list.classList.toggle("compact", on);
  decidedList.classList.toggle("compact", on);
  compactButton.setAttribute("aria-pressed", String(on));
  localStorage.setItem("queue.compact", on ? "1" : "0");
}
compactButton.addEventListener("click", () => setCompact(!list.classList.contains("compact")));
setCompact(localStorage.getItem("queue.compact") === "1");
// In the compact view the card last focused stays open while focus is
// elsewhere (the filter form, a dialog): folded as the pointer goes down on
// the form, it would shrink the page under the pointer and lose the click.
document.addEventListener("focusin", (event) => {
  const card = event.target.closest?.(".card");
  if (!card) return;
  for (const open of document.querySelectorAll(".card.open")) {
    if (open !== card) open.classList.remove("open");
  }
  card.classList.add("open");
});
const filterBox = document.getElementById("filter-box");
if (localStorage.getItem("queue.filters") === "closed") filterBox.open = false;
filterBox.addEventListener("toggle", () => {
  localStorage.setItem("queue.filters", filterBox.open ? "open" : "closed");
});

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing in a field is not a shortcut; a focused checkbox or button is.
  if (event.target.closest('textarea, select, dialog, input:not([type="checkbox"])')) return;
  const current = document.activeElement.closest?.(".card") || null;
  const inList = current && current.parentElement === list ? current : null;
  const move = (step) => (inList ? nextCard(inList, step) : cards()[0])?.focus();
  switch (event.key) {
    case "j": move(1); break;
    case "k": move(-1); break;
    case "a": if (current) decide([current], "approve"); break;
    case "r": if (current) askReject([current]); break;
    case "u": {
      // Undo the focused card, or else the last one decided.
      const target = current || decidedList.querySelector(".card");
      if (target) undo(target);
      break;
    }
    case "x":
      if (current) { const box = current.querySelector(".pick"); box.checked = !box.checked; updateSelection(); }
      break;
    case "?": helpDialog.showModal(); break;
    case "c": setCompact(!list.classList.contains("compact")); current?.focus(); break;
    default: return;
  }
  event.preventDefault();
});
