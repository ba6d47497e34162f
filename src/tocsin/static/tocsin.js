/* Tocsin console behaviour; no build step. Pages work without it (times stay in UTC).
 *  - <time datetime> (the `time` filter): shown in the viewer's zone — their account's
 *    setting (<meta name="tocsin-time-zone">), else the browser's.
 *  - <time data-ago> (the `ago` filter): "12 min ago", kept fresh.
 *  - <time data-countdown> (the `countdown` filter): "due in 12 min" / "overdue by 3 min",
 *    kept fresh; the element gets the class "overdue" once past.
 *  - <form data-confirm="...">: asks before submitting.
 *  - <button class="copy" data-copy="#id">: copies the target's text.
 *  - <div data-live="/url" data-live-event="name" data-live-swap="inner|append">: listens
 *    to a server-sent event stream and puts each event's HTML into the element.
 */
(function () {
  "use strict";

  function zone() {
    var meta = document.querySelector('meta[name="tocsin-time-zone"]');
    var wanted = meta && meta.content;
    if (wanted) {
      try { new Intl.DateTimeFormat("en", { timeZone: wanted }); return wanted; } catch (e) { /* fall back */ }
    }
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  }

  function inZone(date, tz, seconds) {
    var options = { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" };
    if (seconds) { options.second = "2-digit"; }
    var p = {};
    new Intl.DateTimeFormat("en-US", options).formatToParts(date).forEach(function (part) {
      p[part.type] = part.value;
    });
    var clock = p.hour + ":" + p.minute + (seconds ? ":" + p.second : "");
    return p.year + "-" + p.month + "-" + p.day + " " + clock + " " + p.timeZoneName;
  }

  function ago(date) {
    var minutes = Math.floor((Date.now() - date.getTime()) / 60000);
    if (minutes < 1) { return "just now"; }
    if (minutes < 60) { return minutes + " min ago"; }
    if (minutes < 60 * 24) { return Math.floor(minutes / 60) + " h ago"; }
    return Math.floor(minutes / (60 * 24)) + " d ago";
  }

  function countdown(el, date) {
    var minutes = (date.getTime() - Date.now()) / 60000;
    el.textContent = minutes >= 0 ? "due in " + Math.ceil(minutes) + " min"
      : "overdue by " + Math.ceil(-minutes) + " min";
    el.classList.toggle("overdue", minutes < 0);
  }

  function localize(root) {
    var tz = zone();
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (isNaN(date.getTime())) { return; }
      try {
        el.title = inZone(date, tz, true);
        if (el.hasAttribute("data-ago")) { el.textContent = ago(date); }
        else if (el.hasAttribute("data-countdown")) { countdown(el, date); }
        else { el.textContent = inZone(date, tz, false); }
      } catch (e) { /* an old browser: keep the UTC text */ }
    });
  }

  function refresh() {
    document.querySelectorAll("time[data-ago][datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date.getTime())) { el.textContent = ago(date); }
    });
    document.querySelectorAll("time[data-countdown][datetime]").forEach(function (el) {
      var date = new Date(el.getAttribute("datetime"));
      if (!isNaN(date.getTime())) { countdown(el, date); }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  }, true);

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy[data-copy]");
    if (!button) { return; }
    event.preventDefault();
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target || !navigator.clipboard) { return; }
    var text = ("value" in target && target.value) ? target.value : target.textContent;
    navigator.clipboard.writeText(text.trim()).then(function () {
      var label = button.textContent;
      button.textContent = "Copied";
      setTimeout(function () { button.textContent = label; }, 1500);
    });
  });

  function swap(el, html) {
    var checked = [];
    el.querySelectorAll("input[type=checkbox]:checked").forEach(function (box) {
      checked.push(box.name + "=" + box.value);
    });
    if (el.getAttribute("data-live-swap") === "append") {
      el.insertAdjacentHTML("beforeend", html);
    } else {
      el.innerHTML = html;
    }
    el.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (checked.indexOf(box.name + "=" + box.value) >= 0) { box.checked = true; }
    });
    localize(el);
    if (window.htmx) { window.htmx.process(el); }
    el.dispatchEvent(new CustomEvent("tocsin:live", { bubbles: true }));
  }

  function listen(el) {
    if (!window.EventSource) { return; }
    var source = new EventSource(el.getAttribute("data-live"));
    var name = el.getAttribute("data-live-event") || "message";
    source.addEventListener(name, function (event) { swap(el, event.data); });
    source.addEventListener("open", function () { el.setAttribute("data-live-state", "open"); });
    source.addEventListener("error", function () { el.setAttribute("data-live-state", "retrying"); });
  }

  function start() {
    localize(document);
    document.querySelectorAll("[data-live]").forEach(listen);
    setInterval(refresh, 15000);
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); }
  else { start(); }
})();
