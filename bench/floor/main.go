//go:build js && wasm

// Command floor is the smallest Go program a page can load as WebAssembly: it tells
// the page that main runs, and exits. bench/startup.go builds it like kv.wasm and
// times navigation → main, the floor under any Go module's cold start.
package main

import "syscall/js"

func main() {
	js.Global().Call("__floorMain")
}
