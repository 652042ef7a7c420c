// js/p5load.js — loading p5.js, once per page. It imports nothing, so that js/early.js
// can start fetching p5.js for a patch with a p5 node before the page's other modules
// (the p5 node among them) have loaded.

/** DEFAULT_P5_URL is p5.js's browser build as npm installs it (./build.sh pins the version). */
export const DEFAULT_P5_URL = new URL('../node_modules/p5/lib/p5.min.js', import.meta.url).href;

/** @type {Promise<any>|null} */
let p5Loading = null;

/**
 * loadP5 loads p5.js once, as a classic script, and resolves to the p5 constructor.
 * It rejects with a clear Error when the file cannot be loaded.
 * @param {string} [url]
 * @returns {Promise<any>}
 */
export function loadP5(url = DEFAULT_P5_URL) {
  const g = /** @type {any} */ (globalThis);
  if (g.p5) return Promise.resolve(g.p5);
  if (!p5Loading) {
    p5Loading = new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.onload = () => (g.p5 ? resolve(g.p5) : reject(new Error(`p5.js did not load from ${url}`)));
      s.onerror = () => {
        p5Loading = null;
        reject(new Error(`p5.js is missing (${url}): run ./build.sh serve, which installs it`));
      };
      document.head.appendChild(s);
    });
  }
  return p5Loading;
}

/**
 * preloadP5 starts fetching p5.js without running it: loadP5's script then takes the
 * response. Running p5.js takes the main thread for 0.1–0.5 s (more on a first visit),
 * so the page fetches it early but runs it only once a sketch starts.
 * @param {string} [url]
 */
export function preloadP5(url = DEFAULT_P5_URL) {
  const g = /** @type {any} */ (globalThis);
  if (g.p5 || p5Loading || document.querySelector(`link[rel=preload][href="${CSS.escape(url)}"]`)) return;
  const l = document.createElement('link');
  l.rel = 'preload';
  l.as = 'script';
  l.href = url;
  document.head.appendChild(l);
}
