//go:build js && wasm

// Command wasm is patchkv's WebAssembly module: built to kv.wasm, it registers
// globalThis.patchkv, which js/kv.js uses to hand out the root kv of a patch.
package main

func main() {
	register()
	select {} // serve calls from JavaScript until the page goes away
}
