// pageload.js — installed by bench/startup.go in the patch page before its own
// scripts (Page.addScriptToEvaluateOnNewDocument), to time the page's load from
// navigation until the demo patch shows its restored state: its two counters
// showing the count they read from kv and incremented — the js node "counter"
// (its node-scoped kv) and "plus", the +1 of the Patchies counter ([loadbang] →
// [msg get count] → [kv counter] → js +1).
//
// Times are performance.now() values: ms since navigation. window.__pageload.done
// resolves to {marks, resources, shown} once both show a count (mark
// "stateShown", the frame after the DOM has the last of them) and the patch has
// loaded (or 10 s later).
(() => {
  if (window.top !== window) return;
  /** @type {Record<string, number>} */
  const marks = {};
  const mark = (name) => {
    marks[name] ??= performance.now();
  };

  // kv's load: WebAssembly compile/instantiate, Go's run, the database open.
  for (const fn of /** @type {const} */ (['compileStreaming', 'compile', 'instantiate'])) {
    const orig = /** @type {any} */ (WebAssembly[fn]);
    /** @type {any} */ (WebAssembly)[fn] = async function (...args) {
      const name = fn === 'instantiate' && !(args[0] instanceof WebAssembly.Module) ? 'compile' : fn === 'instantiate' ? 'instantiate' : 'compile';
      mark(name + 'Start');
      try {
        return await orig.apply(this, args);
      } finally {
        mark(name + 'End');
      }
    };
  }
  /** hook calls onSet(value) when the page assigns globalThis[name]. */
  const hook = (name, onSet) => {
    let value;
    Object.defineProperty(globalThis, name, {
      configurable: true,
      get: () => value,
      set(v) {
        value = v;
        onSet(v);
      },
    });
  };
  hook('Go', (Go) => {
    const run = Go.prototype.run;
    Go.prototype.run = function (...args) {
      mark('goRun');
      return run.apply(this, args);
    };
  });
  // The first visit's new node scopes take a version upgrade: kv's first
  // request of the upgrade lock and its grant, the upgrade's open (one with a
  // version), its upgradeneeded and its success.
  const open = IDBFactory.prototype.open;
  IDBFactory.prototype.open = function (...args) {
    const upgrade = args.length > 1;
    mark(upgrade ? 'upgradeOpen' : 'idbOpen');
    const req = open.apply(this, args);
    req.addEventListener('success', () => mark(upgrade ? 'upgradeSuccess' : 'idbOpenSuccess'));
    if (upgrade) req.addEventListener('upgradeneeded', () => mark('upgradeNeeded'));
    return req;
  };
  const locks = globalThis.navigator?.locks;
  if (locks) {
    const request = locks.request;
    locks.request = function (/** @type {any[]} */ ...args) {
      mark('lockRequested');
      const cb = args[args.length - 1];
      if (typeof cb === 'function') {
        args[args.length - 1] = (/** @type {any} */ lock) => {
          mark('lockGranted');
          return cb(lock);
        };
      }
      return Reflect.apply(request, this, args);
    };
  }
  // p5 evaluated (it assigns window.p5), kv ready (loadKV sets globalThis.kv
  // when it resolves), the runtime made (app.js sets window.patch once it has the
  // layout, possibly before kv is ready), the layout read and loaded (the page
  // calls patch.load with it), the patch loaded (window.patchReady resolves).
  hook('p5', () => mark('p5Evaluated'));
  hook('kv', () => mark('kvReady'));
  // The nodes built (the patch's 'load' event, once every node of the layout is
  // made and wired) and the loadbangs banged (patch.starting, which load sets at
  // once, resolves when the first runs are over and the loadbangs have banged).
  hook('patch', (p) => {
    mark('patchMade');
    p.addEventListener('load', () => mark('nodesBuilt'), { once: true });
    const load = p.load;
    p.load = function (...args) {
      mark('layoutRead');
      const r = load.apply(this, args);
      Promise.resolve(this.starting).then(() => mark('loadbangs'));
      Promise.resolve(r).then(() => mark('patchLoaded'), () => {});
      return r;
    };
  });
  /** @type {(v?: unknown) => void} */
  let patchReadyDone;
  const patchReady = new Promise((resolve) => (patchReadyDone = resolve));
  hook('patchReady', (ready) =>
    Promise.resolve(ready).then(
      () => {
        mark('patchReady');
        patchReadyDone();
      },
      () => {},
    ),
  );

  let resolveDone;
  const done = new Promise((resolve) => (resolveDone = resolve));
  const STATE_NODES = ['counter', 'plus'];
  const output = (id) => document.querySelector(`.node[data-id="${id}"] .status.out`)?.textContent ?? '';
  const sketchShown = () => document.querySelector('.node[data-id="sketch"] canvas');
  const observer = new MutationObserver(() => {
    if (sketchShown()) mark('sketchCanvas');
    for (const id of STATE_NODES) if (/\d/.test(output(id))) mark('shown:' + id);
    if (marks.stateInDOM || !STATE_NODES.every((id) => marks['shown:' + id])) return;
    mark('stateInDOM');
    requestAnimationFrame(() => {
      mark('stateShown');
      // The rest of the load (p5, the sketch) still goes on the timeline.
      Promise.race([patchReady, new Promise((r) => setTimeout(r, 10_000))]).then(resolveDone);
    });
  });
  observer.observe(document, { childList: true, subtree: true, characterData: true });
  document.addEventListener('DOMContentLoaded', () => mark('domContentLoaded'));

  /** @type {any} */ (window).__pageload = {
    done: done.then(() => {
      /** @type {Record<string, {start: number, end: number, transfer: number}>} */
      const resources = {};
      for (const e of /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType('resource'))) {
        const path = new URL(e.name).pathname;
        resources[path] ??= { start: e.startTime, end: e.responseEnd, transfer: e.transferSize };
      }
      const nav = /** @type {PerformanceNavigationTiming | undefined} */ (performance.getEntriesByType('navigation')[0]);
      if (nav) marks.htmlLoaded = nav.responseEnd;
      observer.disconnect();
      return { marks, resources, shown: STATE_NODES.map((id) => `${id} ${output(id)}`).join(', ') };
    }),
  };
})();
