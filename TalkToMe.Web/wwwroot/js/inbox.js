// Small browser helpers for the inbox: Enter-to-send, the thread following new messages, resync when the tab wakes up,
// and the optional sound.
window.ttmInbox = (() => {
    const soundKey = "ttm.inbox.sound";

    function attachReply(textarea, dotnet) {
        if (!textarea || textarea.dataset.ttmAttached) return;
        textarea.dataset.ttmAttached = "1";
        textarea.addEventListener("keydown", e => {
            // Enter sends, Shift+Enter breaks the line; IME composition keeps its own Enter.
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                dotnet.invokeMethodAsync("SubmitFromKeyboard", textarea.value);
            } else if (e.key === "Escape") {
                dotnet.invokeMethodAsync("CloseCanned");
            }
        });
        forwardFiles(textarea, "reply-files");
    }

    // A file pasted into the text (a screenshot) or dropped on its form goes to the page's file input (the reply box's, the
    // widget's), present only where files may be sent; anything else pastes and drops as usual.
    function forwardFiles(textarea, inputId) {
        if (!textarea || textarea.dataset.ttmFiles) return;
        textarea.dataset.ttmFiles = "1";
        const form = textarea.closest("form");
        const attach = files => {
            const input = document.getElementById(inputId);
            if (!input || input.disabled || !files || files.length === 0) return false;
            const transfer = new DataTransfer();
            for (const file of files) transfer.items.add(file);
            input.files = transfer.files;
            input.dispatchEvent(new Event("change", { bubbles: true }));
            return true;
        };
        textarea.addEventListener("paste", e => { if (e.clipboardData?.files?.length && attach(e.clipboardData.files)) e.preventDefault(); });
        if (form) {
            const carriesFiles = e => e.dataTransfer?.types?.includes("Files") && document.getElementById(inputId);
            form.addEventListener("dragover", e => { if (carriesFiles(e)) { e.preventDefault(); form.classList.add("is-dropping"); } });
            form.addEventListener("dragleave", () => form.classList.remove("is-dropping"));
            form.addEventListener("drop", e => {
                form.classList.remove("is-dropping");
                if (e.dataTransfer?.files?.length && attach(e.dataTransfer.files)) e.preventDefault();
            });
        }
    }

    function pickFiles(id) {
        document.getElementById(id)?.click();
    }

    // The open thread: it opens on the newest message and follows new ones while the agent is at the bottom. Scrolled up
    // to read, they keep their place and a "Novas mensagens" pill offers the way down.
    let current = null;

    function followThread(scroller) {
        if (!(scroller instanceof Element)) return { dispose() { } };
        const list = scroller.querySelector("ol");
        const pill = scroller.querySelector("[data-testid=new-messages]");
        const nearBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
        let atBottom = true;
        let followUntil = 0;
        const toEnd = () => { scroller.scrollTop = scroller.scrollHeight; atBottom = true; if (pill) pill.hidden = true; };
        const onScroll = () => { atBottom = nearBottom(); if (atBottom && pill) pill.hidden = true; };
        const observer = new MutationObserver(records => {
            if (!records.some(r => r.addedNodes.length)) return;
            if (atBottom || Date.now() < followUntil) toEnd();
            else if (pill) pill.hidden = false;
        });
        observer.observe(list, { childList: true });
        scroller.addEventListener("scroll", onScroll, { passive: true });
        pill?.addEventListener("click", toEnd);
        toEnd();
        const handle = {
            toEnd() { followUntil = Date.now() + 3000; toEnd(); },
            dispose() {
                observer.disconnect();
                scroller.removeEventListener("scroll", onScroll);
                pill?.removeEventListener("click", toEnd);
                if (current === handle) current = null;
            },
        };
        current = handle;
        return handle;
    }

    function scrollThreadToEnd() { current?.toEnd(); }

    function focus(selector) { document.querySelector(selector)?.focus(); }

    // A laptop waking up or a tab coming back: ask the page to re-read what changed. (Circuit reconnection is handled
    // on the server by InboxCircuitHandler; a lost circuit makes blazor.web.js reload the page.)
    function watchVisibility(dotnet) {
        const resync = () => dotnet.invokeMethodAsync("ResyncAsync").catch(() => { });
        const onVisible = () => { if (document.visibilityState === "visible") resync(); };
        document.addEventListener("visibilitychange", onVisible);
        window.addEventListener("online", resync);
        return { dispose: () => { document.removeEventListener("visibilitychange", onVisible); window.removeEventListener("online", resync); } };
    }

    // Escape closes our modal (through its close button) unless a drop-down list is open in it: that Escape belongs to the
    // list, which closes by itself. Listened to in the capture phase, before the list sees the key and closes.
    function escapeCloses(container) {
        container.addEventListener("keydown", e => {
            if (e.key !== "Escape" || document.querySelector(".mud-popover-open [role=listbox], .mud-popover-open .mud-list")) return;
            container.querySelector(".mud-button-close")?.click();
        }, true);
    }

    function soundEnabled() { return localStorage.getItem(soundKey) === "on"; }

    function setSound(on) { localStorage.setItem(soundKey, on ? "on" : "off"); }

    function playSound() {
        if (!soundEnabled()) return;
        try {
            const ctx = new (window.AudioContext || window.webkitAudioContext)();
            const osc = ctx.createOscillator();
            const gain = ctx.createGain();
            osc.frequency.value = 880;
            gain.gain.value = 0.08;
            osc.connect(gain).connect(ctx.destination);
            osc.start();
            osc.stop(ctx.currentTime + 0.15);
            osc.onended = () => ctx.close();
        } catch { /* no audio device: stay silent */ }
    }

    return { attachReply, forwardFiles, pickFiles, followThread, scrollThreadToEnd, focus, escapeCloses, watchVisibility, soundEnabled, setSound, playSound };
})();
