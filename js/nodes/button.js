// js/nodes/button.js — the `button` node: a bang on click or on any message.

import { RuntimeNode, BANG } from '../node.js';

/** ButtonNode sends a bang when clicked or when anything arrives on its inlet. */
export class ButtonNode extends RuntimeNode {
  static type = 'button';
  static description = 'sends a bang when clicked or when a message arrives';
  static face = /** @type {const} */ ('bang');

  receive() {
    this.trigger();
  }

  trigger() {
    this.send(BANG);
  }
}
