// js/nodes/msg.js — the `msg` box: its text is a message, sent on a click or on any
// message arriving on its inlet. The text is JSON, a JavaScript literal, or Patchies'
// shorthand (see parseMessage); `$1` stands for the message that arrived on the inlet.

import { RuntimeNode, BANG, isBang } from '../node.js';

/** SHORTHAND_BARE lists the shorthand words that stand alone: `keys` → {type:'keys'}. */
const SHORTHAND_BARE = ['keys', 'clear', 'subscribe', 'unsubscribe'];
/** LITERAL_WORDS are bare words that are JavaScript values, not message types. */
const LITERAL_WORDS = ['true', 'false', 'null', 'undefined', 'NaN', 'Infinity'];
/** USES_INPUT tells whether a msg box's text refers to $1. */
const USES_INPUT = /\$1(?!\d)/;
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
 *   - any other single word, as in Patchies: `reset` → {type:'reset'}
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
  if (/^[A-Za-z_]\w*$/.test(t) && !LITERAL_WORDS.includes(t)) return { type: t };
  return literal(t, $1);
}

/**
 * MsgNode sends its message when clicked, banged, or given any other message. A
 * message other than a bang becomes its `$1` (kept for later clicks and bangs, as in
 * Patchies); until one has arrived, a text that uses `$1` sends nothing.
 */
export class MsgNode extends RuntimeNode {
  static type = 'msg';
  static description = 'sends its message when clicked or when a message arrives ($1 is that message)';
  static field = /** @type {const} */ ('args');
  static face = /** @type {const} */ ('msg');
  static template = { args: 'keys' };

  /** @param {import('../runtime.js').Patch} patch @param {import('../runtime.js').NodeSpec} spec */
  constructor(patch, spec) {
    super(patch, spec);
    /** @type {unknown} the last message other than a bang that arrived: $1 */
    this.input = undefined;
    this.hasInput = false;
  }

  async start() {
    await super.start();
    try {
      parseMessage(this.spec.args ?? '');
    } catch (err) {
      // Only a text that cannot parse is wrong before anything arrives: an expression
      // may fail for $1 === undefined and work for the messages it is meant for.
      if (err instanceof SyntaxError) this.fail(notAMessage(err));
    }
  }

  /** @param {unknown} msg */
  receive(msg) {
    if (!isBang(msg)) {
      this.input = msg;
      this.hasInput = true;
    }
    this.fire();
  }

  trigger() {
    this.fire();
  }

  /** fire sends the message, with $1 standing for the last message that arrived. */
  fire() {
    const text = this.spec.args ?? '';
    if (USES_INPUT.test(text) && !this.hasInput) {
      this.setStatus({ log: 'nothing sent: $1 waits for a message on the inlet' }, false);
      return;
    }
    let out;
    try {
      out = parseMessage(text, this.input);
    } catch (err) {
      this.fail(notAMessage(err));
      return;
    }
    if (this.status.state === 'error' || this.status.log) this.setStatus({ state: 'running' });
    this.send(out);
  }
}

/**
 * @param {unknown} err
 * @returns {SyntaxError}
 */
function notAMessage(err) {
  return new SyntaxError(`not a message (JSON, a JavaScript literal or a shorthand such as "get key"): ${/** @type {Error} */ (err)?.message ?? err}`);
}
