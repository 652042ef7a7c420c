// js/p5gate.js — a p5 sketch hears only its own keys and clicks.
//
// p5 listens on window for every key and pointer event, so without a gate every sketch
// of the page reacts to typing in a code editor or to a click on another node. gateEvents
// is called from the sketch closure of `new p5((p) => …)`, before p5 binds its handlers
// (p5 1.x and 2.x both bind `this._on<event>` after the closure has run): it replaces
// the instance's handlers with ones that pass an event on only when it belongs to the
// sketch —
//   - keys: while focus is inside the sketch's slot (the user clicked into the sketch);
//   - presses, clicks, wheel: when they happen inside the slot;
//   - releases: when the press they end happened inside the slot.
// Pointer moves always pass (mouseX/mouseY follow the pointer as before).

const KEY_EVENTS = ['keydown', 'keyup', 'keypress'];
const PRESS_EVENTS = ['mousedown', 'pointerdown', 'touchstart', 'click', 'dblclick', 'wheel'];
const RELEASE_EVENTS = ['mouseup', 'pointerup', 'pointercancel', 'touchend'];

/**
 * gateEvents makes the p5 instance p react only to events that belong to slot, the
 * element that holds its canvas. The slot is made focusable, and a press inside it
 * focuses it, so that the sketch gets keys until the user clicks elsewhere.
 * @param {any} p  the p5 instance, inside its sketch closure
 * @param {HTMLElement} slot
 */
export function gateEvents(p, slot) {
  if (!slot.hasAttribute('tabindex')) slot.tabIndex = 0;
  let pressed = false;
  const inside = (e) => e.target instanceof Node && slot.contains(e.target);
  /** @param {string} name @param {(e: Event) => boolean} pass */
  const wrap = (name, pass) => {
    const orig = p[`_on${name}`];
    if (typeof orig !== 'function') return;
    p[`_on${name}`] = function (/** @type {Event} */ e) {
      if (pass(e)) return orig.call(this, e);
      return undefined;
    };
  };
  for (const name of KEY_EVENTS) wrap(name, () => slot.contains(document.activeElement));
  for (const name of PRESS_EVENTS) {
    wrap(name, (e) => {
      if (!inside(e)) return false;
      if (name !== 'click' && name !== 'dblclick' && name !== 'wheel') pressed = true;
      return true;
    });
  }
  for (const name of RELEASE_EVENTS) {
    wrap(name, () => {
      const was = pressed;
      pressed = false;
      return was;
    });
  }
  if (!slot.dataset.gated) {
    slot.dataset.gated = 'true'; // one listener per slot, whatever number of runs
    slot.addEventListener('pointerdown', () => slot.focus({ preventScroll: true }));
  }
}

/**
 * sketchHasFocus reports whether the focused element is a sketch's slot or inside one:
 * the page's own shortcuts (Delete, undo) leave such keys to the sketch.
 * @returns {boolean}
 */
export function sketchHasFocus() {
  return !!document.activeElement?.closest?.('.p5-slot');
}
