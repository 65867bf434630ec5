// The extension's lint rules (make lint: npx eslint extension). ES modules in the browser, with the WebExtension
// globals (chrome, browser); eslint's recommended rules; and no HTML parsed from strings, since page and backend
// text must only ever become text (extension/shared/dom.js builds every element).
import js from "@eslint/js";
import globals from "globals";

const NO_HTML = "parses HTML text: build DOM with el() from extension/shared/dom.js (createElement, textContent)";

export default [
  js.configs.recommended,
  {
    files: ["extension/**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: { ...globals.browser, ...globals.webextensions },
    },
    rules: {
      "no-restricted-properties": ["error",
        ...["innerHTML", "outerHTML", "insertAdjacentHTML", "setHTMLUnsafe", "createContextualFragment"]
          .map((property) => ({ property, message: `It ${NO_HTML}` }))],
      "no-restricted-syntax": ["error",
        { selector: "CallExpression[callee.object.name='document'][callee.property.name=/^write(ln)?$/]", message: `document.write ${NO_HTML}` },
        { selector: "NewExpression[callee.name='DOMParser']", message: `DOMParser ${NO_HTML}` }],
    },
  },
  {
    // Manifest content scripts cannot be modules: the loader is a classic script that imports the modules.
    files: ["extension/content/loader.js"],
    languageOptions: { sourceType: "script" },
  },
];
