// js/nodes/js.js — the `js` node: its code runs as the body of an async function
// (top-level await works) with the sandbox names of js/sandbox.js in scope.

import { CodeNode, AsyncFunction, SANDBOX_NAMES } from '../sandbox.js';
import { instrument, makeGuard, GUARD_NAME } from '../loopguard.js';

/** LINE_OFFSET is how many lines the AsyncFunction wrapper adds before the code. */
const LINE_OFFSET = 2;

/** JSNode runs its code once per start; handlers it registers answer later messages. */
export class JSNode extends CodeNode {
  static type = 'js';
  static description = 'a js node: async code with kv, send, recv/onMessage, setPortCount, setTitle';
  static face = /** @type {const} */ ('code');
  static template = {
    code: "// kv, send, recv (or onMessage), setPortCount, setTitle and console are in scope;\n// top-level await works.\nrecv(async (msg, meta) => {\n  send(msg);\n});",
  };

  async start() {
    const gen = ++this.gen;
    this.setStatus({ state: 'running' });
    const sb = this.sandbox(gen, LINE_OFFSET);
    let fn;
    try {
      // Loops get a guard that stops code running over a second without yielding.
      fn = new AsyncFunction(...SANDBOX_NAMES, GUARD_NAME, instrument(this.spec.code ?? ''));
    } catch (err) {
      this.fail(err);
      return;
    }
    this.starting = true;
    try {
      const guard = makeGuard((err) => gen === this.gen && this.fail(err));
      await fn.call(undefined, ...SANDBOX_NAMES.map((n) => sb[n]), guard);
    } catch (err) {
      if (gen === this.gen) this.fail(err, LINE_OFFSET);
    } finally {
      if (gen === this.gen) {
        this.starting = false;
        this.pending = [];
      }
    }
  }
}
