// The reply box's voice notes: the microphone is recorded with MediaRecorder as WebM/Opus and, when the agent stops, the
// recording is handed to the reply box's hidden file input like a dropped file, so it is uploaded, checked and shown as a
// chip by the same code as any other file (the server rewraps it as Ogg Opus, WebmOpusToOgg).
window.ttmRecorder = (() => {
    const type = "audio/webm;codecs=opus";
    let current = null;

    const pad = n => String(n).padStart(2, "0");
    const clock = seconds => `${Math.floor(seconds / 60)}:${pad(Math.floor(seconds % 60))}`;

    // Named by when it was recorded, in the agent's own time: audio-2026-12-04-1530.webm (sent as .ogg).
    function fileName(at) {
        return `audio-${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}-${pad(at.getHours())}${pad(at.getMinutes())}.webm`;
    }

    // "recording", or why not: "denied" (the agent or a policy said no), "missing" (no microphone), "unsupported"
    // (a browser that cannot record Opus, which is the only codec WhatsApp and Telegram voice notes take).
    async function start(dotnet, inputId, timerId, maxSeconds) {
        cancel();
        if (!navigator.mediaDevices?.getUserMedia || !window.MediaRecorder || !MediaRecorder.isTypeSupported(type)) return "unsupported";
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ audio: true });
        } catch (e) {
            return e?.name === "NotAllowedError" || e?.name === "SecurityError" ? "denied" : "missing";
        }

        // 32 kbit/s is plenty for speech and keeps the longest note small (15 min ≈ 3.6 MB, under WhatsApp's 16 MB).
        const recorder = new MediaRecorder(stream, { mimeType: type, audioBitsPerSecond: 32000 });
        const chunks = [];
        const startedAt = new Date();
        const began = performance.now();
        const state = { recorder, stream, chunks, startedAt, discard: false, done: null };
        state.done = new Promise(resolve => recorder.addEventListener("stop", resolve, { once: true }));
        recorder.addEventListener("dataavailable", e => { if (e.data.size > 0) chunks.push(e.data); });
        // The time is written here, not rendered by the server: no round trip each second for a clock.
        const tick = () => {
            const seconds = (performance.now() - began) / 1000;
            const timer = document.getElementById(timerId);
            if (timer) timer.textContent = clock(seconds);
            if (seconds >= maxSeconds && current === state) {
                stop(inputId).then(() => dotnet.invokeMethodAsync("RecordingReachedLimit")).catch(() => { });
            }
        };
        state.interval = setInterval(tick, 250);
        recorder.start(1000);
        current = state;
        return "recording";
    }

    function release(state) {
        clearInterval(state.interval);
        state.stream.getTracks().forEach(t => t.stop());
        if (current === state) current = null;
    }

    // Stops and hands the recording to the file input; resolves once the input's change event has been sent.
    async function stop(inputId) {
        const state = current;
        if (!state) return false;
        current = null;
        if (state.recorder.state !== "inactive") state.recorder.stop();
        await state.done;
        release(state);
        const input = document.getElementById(inputId);
        if (!input || state.chunks.length === 0) return false;
        const file = new File(state.chunks, fileName(state.startedAt), { type: "audio/webm" });
        const transfer = new DataTransfer();
        transfer.items.add(file);
        input.files = transfer.files;
        input.dispatchEvent(new Event("change", { bubbles: true }));
        return true;
    }

    // Throws the recording away and frees the microphone (the browser's recording indicator goes off).
    function cancel() {
        const state = current;
        if (!state) return;
        current = null;
        if (state.recorder.state !== "inactive") state.recorder.stop();
        release(state);
    }

    return { start, stop, cancel };
})();
