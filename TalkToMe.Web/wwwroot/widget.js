/* TalkToMe website chat loader. Paste into any page:
 *   <script src="https://your-talktome/widget.js" data-channel="CHANNEL_KEY" async></script>
 * Optional, before it: window.talkToMeSettings = { name, email, identifier, identifierHash };
 * It adds a launcher button and an iframe served by TalkToMe; nothing else of ours runs in the host page. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__talkToMe) { return; }
  var key = script.getAttribute("data-channel");
  if (!key) { console.warn("TalkToMe: the script tag needs data-channel."); return; }
  var base = new URL(script.src, window.location.href).origin;
  var settings = window.talkToMeSettings || {};
  var activeFlag = "ttm_active_" + key;
  var frame = null;
  var open = false;
  window.__talkToMe = true;

  var button = document.createElement("button");
  button.type = "button";
  button.setAttribute("aria-label", "Abrir chat");
  button.setAttribute("data-talktome", "launcher");
  // Escapes, not the characters: a host page without a UTF-8 declaration would decode them as Latin-1 and show mojibake.
  button.textContent = "\u{1F4AC}";
  button.style.cssText = "position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#3949ab;color:#fff;font-size:26px;cursor:pointer;box-shadow:0 4px 16px rgba(0,0,0,.25);z-index:2147483000";

  function createFrame() {
    var params = new URLSearchParams({ origin: window.location.origin });
    ["name", "email", "identifier"].forEach(function (k) { if (settings[k]) { params.set(k, settings[k]); } });
    if (settings.identifierHash) { params.set("identifier_hash", settings.identifierHash); }
    frame = document.createElement("iframe");
    frame.src = base + "/widget/" + encodeURIComponent(key) + "?" + params.toString();
    frame.title = "Chat";
    frame.setAttribute("data-talktome", "frame");
    frame.style.cssText = "position:fixed;right:20px;bottom:88px;width:370px;max-width:calc(100vw - 40px);height:540px;" +
      "max-height:calc(100vh - 110px);border:0;border-radius:12px;box-shadow:0 8px 32px rgba(0,0,0,.25);background:#fff;" +
      "display:none;z-index:2147483000";
    document.body.appendChild(frame);
  }

  function toggle() {
    if (!frame) { createFrame(); }
    open = !open;
    frame.style.display = open ? "block" : "none";
    button.setAttribute("aria-label", open ? "Fechar chat" : "Abrir chat");
    button.textContent = open ? "\u2715" : "\u{1F4AC}";
    try { window.localStorage.setItem(activeFlag, "1"); } catch (e) { /* storage may be blocked */ }
  }

  button.addEventListener("click", toggle);

  function mount() {
    document.body.appendChild(button);
    // A visitor who already chatted gets the frame at once (hidden), so agent replies arrive live.
    try { if (window.localStorage.getItem(activeFlag)) { createFrame(); } } catch (e) { /* ignore */ }
    fetch(base + "/widget/" + encodeURIComponent(key) + "/config")
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (config) { if (config && config.color) { button.style.background = config.color; } })
      .catch(function () { /* the launcher keeps its default colour */ });
  }

  if (document.body) { mount(); } else { document.addEventListener("DOMContentLoaded", mount); }
})();
