// The app shell's one question to the browser: is the window narrow enough that the drawer opens over the page?
// Kept in step with the 960 px breakpoint in app.css ("Layout").
window.ttmLayout = {
    isNarrow: () => window.matchMedia("(max-width: 959.98px)").matches,
};
