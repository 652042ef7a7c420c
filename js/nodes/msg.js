// js/nodes/msg.js — the `msg` box: its text is a message, sent on a click or on any
// message arriving on its inlet. The text is JSON, a JavaScript literal, or Patchies'
// shorthand (see parseMessage); `$1` stands for the message that arrived on the inlet.

import { RuntimeNode, BANG } from '../node.js';

/** SHORTHAND_BARE lists the shorthand words that stand alone: `keys` → {type:'keys'}. */
const SHORTHAND_BARE = ['keys', 'clear', 'subscribe', 'unsubscribe'];
/** SHORTHAND_KEYED lists the shorthand words that take a key: `get foo` → {type:'get',key:'foo'}. */
const SHORTHAND_KEYED = ['get', 'has', 'delete'];

/**
 * literal evaluates text as a JavaScript expression with `$1` in scope, as the code of a
 * js node would be: the patch's author wrote it. It throws a SyntaxError (or whatever the
 * expression throws) when it is not one.
 * @param {string} text
 * @param {unknown} $1
 * @returns {unknown}
 */
function literal(text, $1) {
  return new Function('$1', `"use strict"; return (${text}\n);`)($1);
}

/**
 * value reads one argument of a shorthand message: `$1`, JSON, a JavaScript literal, or
 * else the text itself as a string (`set name hello world` stores "hello world").
 * @param {string} text
 * @param {unknown} $1
 * @returns {unknown}
 */
function value(text, $1) {
  if (text === '$1') return $1;
  try {
    return JSON.parse(text);
  } catch {}
  try {
    return literal(text, $1);
  } catch {
    return text;
  }
}

/**
 * key reads the key of a shorthand message: `$1`, a quoted string, or the word as it is
 * (`get 42` asks for the key "42": keys are strings).
 * @param {string} text
 * @param {unknown} $1
 * @returns {unknown}
 */
function key(text, $1) {
  if (text === '$1') return $1;
  if (/^["'`]/.test(text)) {
    const v = value(text, $1);
    if (typeof v === 'string') return v;
  }
  return text;
}

/**
 * parseMessage reads a msg box's text and returns the message it stands for:
 *   - "" and `bang` → {type:'bang'}
 *   - `$1` → the message that arrived on the inlet
 *   - JSON (`{"type":"keys"}`, `42`, `"hi"`)
 *   - shorthand: `get foo` → {type:'get',key:'foo'}; `has foo`, `delete foo` likewise;
 *     `set foo 42` → {type:'set',key:'foo',value:42} (the value is `$1`, JSON, a literal
 *     or else the rest of the text as a string); `keys`, `clear`, `subscribe`,
 *     `unsubscribe` → {type}; `setStore name` → {type:'setStore',value:'name'}
 *   - a JavaScript literal, where `$1` is in scope: `{type: 'set', key: 'n', value: $1 * 2}`
 * It throws (a SyntaxError, usually) when the text is none of these.
 * @param {string} text
 * @param {unknown} [$1]  the message that arrived on the inlet (undefined for a click)
 * @returns {unknown}
 */
export function parseMessage(text, $1) {
  const t = String(text ?? '').trim();
  if (t === '' || t === 'bang') return BANG;
  if (t === '$1') return $1;
  try {
    return JSON.parse(t);
  } catch {}
  // A word, then maybe a key (a quoted string or a run of non-spaces), then the rest.
  const m = /^([A-Za-z]+)(?:\s+("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\S+))?(?:\s+([\s\S]+))?$/.exec(t);
  if (m) {
    const [, word, first, rest] = m;
    if (SHORTHAND_BARE.includes(word) && first === undefined) return { type: word };
    if (SHORTHAND_KEYED.includes(word) && first !== undefined && rest === undefined) {
      return { type: word, key: key(first, $1) };
    }
    if (word === 'set' && first !== undefined) {
      return rest === undefined ? { type: 'set', value: value(first, $1) }
        : { type: 'set', key: key(first, $1), value: value(rest.trim(), $1) };
    }
    if (word === 'setStore' && first !== undefined && rest === undefined) return { type: 'setStore', value: key(first, $1) };
  }
  return literal(t, $1);
}

/** MsgNode sends its message when clicked, banged, or given any message. */
export class MsgNode extends RuntimeNode {
  static type = 'msg';
  static description = 'sends its message when clicked or when a message arrives ($1 is that message)';
  static field = /** @type {const} */ ('args');
  static face = /** @type {const} */ ('msg');
  static template = { args: 'keys' };

  async start() {
    await super.start();
    try {
      parseMessage(this.spec.args ?? '');
    } catch (err) {
      // Only a text that cannot parse is wrong before anything arrives: an expression
      // may fail for $1 === undefined and work for the messages it is meant for.
      if (err instanceof SyntaxError) this.fail(new SyntaxError(`not a message (JSON, a JavaScript literal or a shorthand such as "get key"): ${/** @type {Error} */ (err).message}`));
    }
  }

  /** @param {unknown} msg */
  receive(msg) {
    this.fire(msg);
  }

  trigger() {
    this.fire(undefined);
  }

  /**
   * fire sends the message, with $1 standing for `input`.
   * @param {unknown} input
   */
  fire(input) {
    let out;
    try {
      out = parseMessage(this.spec.args ?? '', input);
    } catch (err) {
      this.fail(new SyntaxError(`not a message (JSON, a JavaScript literal or a shorthand such as "get key"): ${/** @type {Error} */ (err).message}`));
      return;
    }
    if (this.status.state === 'error') this.setStatus({ state: 'running' });
    this.send(out);
  }
}
