// Package jsfiles holds JavaScript files of the page that Go tests load into a
// browser without the page's server (under wasmbrowsertest). kv.wasm does not
// import it.
package jsfiles

import _ "embed"

// Archive is js/archive.js: the export file codec and kv.export/import/removeScope/destroy.
//
//go:embed archive.js
var Archive string
