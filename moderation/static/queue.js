// The queue page's behaviour: decisions without reloading, keyboard
// shortcuts and batch selection. Every action is a JSON post carrying the
// CSRF token; the server answers with the re-rendered card.
"use strict";

const csrf = document.querySelector('meta[name="csrf-token"]').content;
const cards = () => Array.from(document.querySelectorAll("#cards > .card"));
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

function replaceCard(result) {
  const old = document.getElementById("comment-" + result.id);
  if (!old || !result.card) return old;
  const holder = document.createElement("div");
  holder.innerHTML = result.card.trim();
  const fresh = holder.firstElementChild;
  old.replaceWith(fresh);
  if (result.message) {
    const box = fresh.querySelector(".card-message");
    box.textContent = result.message;
    box.hidden = false;
  }
  return fresh;
}

async function act(url, body, focusAfter) {
  try {
    const { results } = await post(url, body);
    let done = 0;
    let last = null;
    for (const result of results) {
      last = replaceCard(result) || last;
      if (result.error) {
        if (!result.card) say(result.message, true);
      } else {
        done += 1;
      }
    }
    const failed = results.length - done;
    say(`${done} comment${done === 1 ? "" : "s"} updated` + (failed ? `, ${failed} not` : "") + ".", failed > 0);
    updateSelection();
    (focusAfter || last)?.focus();
  } catch (error) {
    say(error.message, true);
  }
}

function itemOf(card) {
  return { id: Number(card.dataset.id), version: Number(card.dataset.version) };
}

function nextCard(card, step) {
  const all = cards();
  return all[Math.min(all.length - 1, Math.max(0, all.indexOf(card) + step))];
}

function decide(targets, action, reason, note) {
  const after = targets.length === 1 ? nextCard(targets[0], 1) : null;
  return act("/queue/decide", { items: targets.map(itemOf), action, reason, note }, after);
}

function askReject(targets) {
  rejectDialog.querySelector("textarea").value = "";
  rejectDialog.returnValue = "";
  rejectDialog.onclose = () => {
    if (rejectDialog.returnValue !== "reject") return targets[0]?.focus();
    const form = rejectDialog.querySelector("form");
    const reason = form.querySelector('input[name="reason"]:checked').value;
    decide(targets, "reject", reason, form.querySelector("textarea").value);
  };
  rejectDialog.showModal();
}

function selected() {
  return cards().filter((card) => card.querySelector(".pick").checked);
}

function updateSelection() {
  document.getElementById("selected-count").textContent = `${selected().length} selected`;
}

document.getElementById("cards").addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const card = button.closest(".card");
  const action = button.dataset.action;
  if (action === "approve") decide([card], "approve");
  if (action === "reject") askReject([card]);
  if (action === "undo") act("/queue/undo", itemOf(card), card);
});
document.getElementById("cards").addEventListener("change", updateSelection);

document.querySelectorAll("button[data-batch]").forEach((button) => {
  button.addEventListener("click", () => {
    const targets = selected();
    if (!targets.length) return say("Select comments first (x, or the checkboxes).", true);
    if (button.dataset.batch === "approve") decide(targets, "approve");
    else decide(targets, "reject", document.getElementById("batch-reason").value);
  });
});

document.getElementById("help-button").addEventListener("click", () => helpDialog.showModal());

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  // Typing in a field is not a shortcut; a focused checkbox or button is.
  if (event.target.closest('textarea, select, dialog, input:not([type="checkbox"])')) return;
  const current = document.activeElement.closest?.(".card") || null;
  const move = (step) => (current ? nextCard(current, step) : cards()[0])?.focus();
  switch (event.key) {
    case "j": move(1); break;
    case "k": move(-1); break;
    case "a": if (current) decide([current], "approve"); break;
    case "r": if (current) askReject([current]); break;
    case "u": if (current) act("/queue/undo", itemOf(current), current); break;
    case "x":
      if (current) { const box = current.querySelector(".pick"); box.checked = !box.checked; updateSelection(); }
      break;
    case "?": helpDialog.showModal(); break;
    default: return;
  }
  event.preventDefault();
});
