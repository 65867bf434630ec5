// Manifest content scripts cannot be ES modules, so this classic script only imports the module that does the work.
// The module runs in this content script's isolated world, out of the page's reach.
(async () => {
  const api = globalThis.browser ?? globalThis.chrome;
  const { start } = await import(api.runtime.getURL("extension/content/main.js"));
  await start(document, location);
})().catch((error) => console.error("ReadNext: the content script failed to start", error));
