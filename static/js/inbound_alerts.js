// New inbound leads, said as they come: every few seconds the page asks which of the rep's inbound leads nobody has
// tried yet (workspace/views/inbound.py). A new one is shown at the top of the page with a link to call it, and as
// a browser notification where the rep allowed them (a button asks, once; the browser remembers the answer).
(function () {
  "use strict";
  const box = document.getElementById("inbound-alerts");
  if (!box || !window.fetch) return;
  const list = box.querySelector("ul");
  const ask = box.querySelector("[data-notify-ask]");
  const seconds = Math.max(parseInt(box.dataset.pollSeconds, 10) || 20, 1);
  const key = "pursuit-inbound-notified";
  const notified = new Set(JSON.parse(sessionStorage.getItem(key) || "[]"));
  window.pursuitInboundNotified = window.pursuitInboundNotified || 0;

  function canNotify() {
    return "Notification" in window && Notification.permission === "granted";
  }

  function render(leads) {
    list.replaceChildren(
      ...leads.map((lead) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.href = lead.url;
        link.textContent = lead.name;
        item.append("New inbound lead: ", link, `, asked at ${lead.arrived}`);
        if (lead.call_by) item.append(`: call by ${lead.call_by} (your time)`);
        return item;
      })
    );
    box.hidden = leads.length === 0;
    if (ask) ask.hidden = !("Notification" in window) || Notification.permission !== "default" || leads.length === 0;
  }

  function announce(leads) {
    for (const lead of leads) {
      if (notified.has(lead.id)) continue;
      notified.add(lead.id);
      if (canNotify()) {
        const note = new Notification(`New inbound lead: ${lead.name}`, {
          body: lead.call_by ? `Call by ${lead.call_by}, your time.` : "Call now.",
          tag: `inbound-${lead.id}`,
        });
        note.onclick = () => {
          window.focus();
          window.location.href = lead.url;
        };
        window.pursuitInboundNotified += 1;
      }
    }
    sessionStorage.setItem(key, JSON.stringify(Array.from(notified)));
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const leads = (await response.json()).leads;
        render(leads);
        announce(leads);
      }
    } catch (error) {
      // Offline for a moment: the next poll tries again.
    }
    window.setTimeout(poll, seconds * 1000);
  }

  if (ask) {
    ask.addEventListener("click", async () => {
      await Notification.requestPermission();
      ask.hidden = true;
    });
  }
  poll();
})();
