// Package scope names the parts of patchkv's storage: which IndexedDB database a
// patch lives in, and which object store inside it holds a node's private keys, a
// named store, or the page's host scope.
//
// It is pure Go (no syscall/js) so that the naming can be tested and fuzzed on the
// host. The mapping must be injective: two different scopes never share an object
// store, so a named store can never reach a node's private keys whatever its name.
package scope
