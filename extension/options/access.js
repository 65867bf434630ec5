// Site access on the options page: shown only when the browser withholds some of the manifest's host permissions
// (Firefox before 127 at install, or a user who withdrew them), with a button that asks for them again.
import { permissions, runtime } from "../shared/browser-api.js";

const siteOf = (origin) => origin.replace(/^\w+:\/\//, "").replace(/\/\*$/, "");

/** `fail(error)` shows an error on the page. */
export async function setUpAccess({ section, list, button, fail }) {
  const origins = runtime.hostOrigins();

  async function refresh() {
    const missing = await permissions.missing(origins);
    list.textContent = missing.map(siteOf).join(", ");
    section.hidden = missing.length === 0;
  }

  button.addEventListener("click", () => {
    permissions.request(origins).then(refresh).catch(fail);
  });
  await refresh();
}
