// Small browser helpers for the inbox: Enter-to-send, resync when the tab wakes up, and the optional sound.
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
            }
        });
    }

    // A laptop waking up or a tab coming back: ask the page to re-read what changed. (Circuit reconnection is handled
    // on the server by InboxCircuitHandler; a lost circuit makes blazor.web.js reload the page.)
    function watchVisibility(dotnet) {
        const resync = () => dotnet.invokeMethodAsync("ResyncAsync").catch(() => { });
        const onVisible = () => { if (document.visibilityState === "visible") resync(); };
        document.addEventListener("visibilitychange", onVisible);
        window.addEventListener("online", resync);
        return { dispose: () => { document.removeEventListener("visibilitychange", onVisible); window.removeEventListener("online", resync); } };
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

    return { attachReply, watchVisibility, soundEnabled, setSound, playSound };
})();
