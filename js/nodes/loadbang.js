// js/nodes/loadbang.js — the `loadbang` node: a bang once the patch has loaded.

import { RuntimeNode, BANG } from '../node.js';

/**
 * LoadbangNode sends a bang when the patch it is part of has loaded (Patch.load fires
 * every loadbang once its nodes have started and its wires are connected), and when
 * clicked. A loadbang added to a patch that is already open waits for the next load.
 */
export class LoadbangNode extends RuntimeNode {
  static type = 'loadbang';
  static description = 'sends a bang once the patch has loaded (and when clicked)';
  static ports = { inlets: 0, outlets: 1 };
  static face = /** @type {const} */ ('bang');

  /** loaded is called by the runtime once the patch has loaded. */
  loaded() {
    this.send(BANG);
  }

  trigger() {
    this.send(BANG);
  }
}
