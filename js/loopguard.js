// js/loopguard.js — loop protection for node code that runs on the page's own thread
// (js and p5 nodes).
//
// A `while (true) {}` in a node would freeze the page, and, saved in the patch, freeze it
// again on every load. instrument() parses the code with acorn and puts a call to a
// guard at the start of every loop body (while, do-while, for, for-in, for-of), by
// source position and on the same line, so line numbers do not move. The guard counts
// how long the node's code has run in the current task; past the limit it throws a
// RangeError naming the loop's line, reports it once through onTrip (so that the node
// shows it even when the code catches it), and keeps throwing from every loop of that
// run until the node runs again.
//
// The clock of a run restarts whenever the page has been through the event loop since
// the guard last looked: a MessageChannel message, posted on the first check of a task,
// bumps an epoch when it is delivered, which can only happen between tasks. So a loop
// that awaits timers (`while (true) { await sleep(100) }`) never trips, while one that
// never yields does after LIMIT_MS.
//
// Code running in a dedicated Worker needs none of this: the page terminates the Worker.

import { parse } from '../node_modules/acorn/dist/acorn.mjs';

/** LIMIT_MS is how long node code may run without yielding before it is stopped. */
export const LIMIT_MS = 1000;

/** GUARD_NAME is the name instrumented code calls; node code cannot see it by accident. */
export const GUARD_NAME = '__patchkvLoop';

// The guard reads the clock only every `budget` iterations: performance.now() costs tens
// of nanoseconds, more than the body of a tight loop. The budget adapts so that the
// clock is read about once a millisecond: it doubles (up to MAX_BUDGET) while checks
// come faster than that and drops back to 1 when one batch took longer than 10 ms.
const MAX_BUDGET = 4096;

const LOOPS = new Set(['WhileStatement', 'DoWhileStatement', 'ForStatement', 'ForInStatement', 'ForOfStatement']);

/**
 * instrument returns code with a guard call at the start of every loop body. The code is
 * parsed as the body of an async function (top-level await and return allowed); code
 * that does not parse is returned unchanged, so that the Function constructor reports
 * the syntax error as it would without protection.
 * @param {string} code
 * @param {string} [guard]  the name of the guard function in scope
 * @returns {string}
 */
export function instrument(code, guard = GUARD_NAME) {
  // Every loop statement starts with one of these keywords, which cannot be
  // written with escapes: code without them has no loop, and parsing it (the
  // first parse of a page costs tens of ms of cold JIT) would change nothing.
  if (!/for|while|do/.test(code)) return code;
  let ast;
  try {
    ast = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowAwaitOutsideFunction: true,
      allowReturnOutsideFunction: true,
      allowHashBang: true,
      locations: true,
    });
  } catch {
    return code;
  }
  /** @type {{at: number, text: string}[]} */
  const edits = [];
  walk(ast, (node) => {
    if (!LOOPS.has(node.type)) return;
    const body = node.body;
    const call = `${guard}(${node.loc.start.line});`;
    if (body.type === 'BlockStatement') {
      edits.push({ at: body.start + 1, text: call });
    } else {
      edits.push({ at: body.start, text: `{${call}` }, { at: body.end, text: '}' });
    }
  });
  if (edits.length === 0) return code;
  // Apply from the end so that earlier positions stay valid; at equal positions the
  // closing brace of an inner loop goes before the outer one's.
  edits.sort((a, b) => b.at - a.at);
  let out = code;
  for (const e of edits) out = out.slice(0, e.at) + e.text + out.slice(e.at);
  return out;
}

/** walk calls visit on every AST node under node, depth first. */
function walk(node, visit) {
  visit(node);
  for (const key of Object.keys(node)) {
    if (key === 'loc') continue;
    const v = node[key];
    if (Array.isArray(v)) {
      for (const x of v) if (x && typeof x.type === 'string') walk(x, visit);
    } else if (v && typeof v === 'object' && typeof v.type === 'string') {
      walk(v, visit);
    }
  }
}

// One epoch for the whole page, bumped by a message that can only arrive between tasks.
let epoch = 0;
let pinging = false;
const channel = new MessageChannel();
channel.port1.onmessage = () => {
  pinging = false;
  epoch++;
};
function ping() {
  if (pinging) return;
  pinging = true;
  channel.port2.postMessage(0);
}

/**
 * LoopTimeoutError is what a guard throws: a RangeError whose message names the line.
 */
export class LoopTimeoutError extends RangeError {
  /** @param {number} line @param {number} ms */
  constructor(line, ms) {
    super(`loop at line ${line} ran for more than ${ms} ms without yielding; stopped (▶ runs the node again)`);
    this.name = 'LoopTimeoutError';
    this.line = line;
    // The message names the line already; a stack pointing into the page's modules
    // would only confuse the node's error line.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/**
 * makeGuard returns the guard function of one run of a node's code.
 * @param {(err: LoopTimeoutError) => void} onTrip  called once, when the guard first trips
 * @param {number} [limit]  ms
 * @returns {(line: number) => void}
 */
export function makeGuard(onTrip, limit = LIMIT_MS) {
  let seen = -1;
  let start = 0;
  let last = 0;
  let budget = 1;
  let n = 0;
  /** @type {LoopTimeoutError | null} */
  let tripped = null;
  return function guard(line) {
    if (--n > 0) return;
    if (tripped) throw tripped;
    const now = performance.now();
    if (seen !== epoch) {
      // The page went through the event loop since the last check: a new task.
      seen = epoch;
      start = now;
      budget = 1;
      ping();
    } else if (now - start > limit) {
      tripped = new LoopTimeoutError(line, limit);
      n = 0;
      try {
        onTrip(tripped);
      } catch {}
      throw tripped;
    } else if (now - last < 1) {
      if (budget < MAX_BUDGET) budget *= 2;
    } else if (now - last > 10) {
      budget = 1;
    }
    last = now;
    n = budget;
  };
}
