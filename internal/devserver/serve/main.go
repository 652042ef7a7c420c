// Command serve serves the repository root for ./build.sh serve.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"

	"github.com/patchies/patchkv/internal/devserver"
)

func main() {
	root := flag.String("root", ".", "directory to serve")
	addr := flag.String("addr", "127.0.0.1:8080", "address to listen on (loopback only by default)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("patchkv: open http://%s/ (Ctrl-C stops)\n", ln.Addr())
	log.Fatal(http.Serve(ln, devserver.Handler(*root)))
}
