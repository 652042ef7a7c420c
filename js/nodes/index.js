// js/nodes/index.js — the one table of node kinds. Adding a kind: write its module
// (a class extending RuntimeNode from ../node.js, or CodeNode from ../sandbox.js, with
// its static type, ports, field, face and template) and add one line here.

import { JSNode } from './js.js';
import { P5Node } from './p5.js';
import { KVNode } from './kv.js';
import { ButtonNode } from './button.js';
import { MsgNode } from './msg.js';
import { LoadbangNode } from './loadbang.js';
import { WorkerNode } from './worker.js';

/**
 * @typedef {typeof import('../node.js').RuntimeNode} NodeKind
 */

/**
 * KINDS maps each node type to the class that runs it, in toolbar order.
 * @type {Readonly<Record<string, NodeKind>>}
 */
export const KINDS = Object.freeze({
  js: JSNode,
  worker: WorkerNode,
  p5: P5Node,
  kv: KVNode,
  button: ButtonNode,
  msg: MsgNode,
  loadbang: LoadbangNode,
});
