// Command gen writes a Go file holding JavaScript files as string constants:
//
//	//go:generate env -u GOOS -u GOARCH go run ../internal/jsembed/gen -o ops_js.go opsSource=ops.js
//
// run by GOOS=js GOARCH=wasm go generate ./idb ./wasm (./build.sh does).
//
// See package jsembed.
package main

import (
	"fmt"
	"os"

	"github.com/patchies/patchkv/internal/jsembed"
)

func main() {
	if len(os.Args) < 4 || os.Args[1] != "-o" {
		fmt.Fprintln(os.Stderr, "usage: gen -o out.go name=file.js...")
		os.Exit(2)
	}
	pkg := os.Getenv("GOPACKAGE")
	src, err := jsembed.Generate(".", pkg, os.Args[3:])
	if err == nil {
		err = os.WriteFile(os.Args[2], src, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
