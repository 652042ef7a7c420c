package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The helpers below are shared by the tests that drive pages (e2e, faults).

// Evaluate evaluates expr in the tab of ctx, awaiting a returned Promise, and
// decodes its JSON value into out (nil to ignore it). It errors when expr throws,
// the Promise rejects, ctx ends first, or the value does not decode into out.
func Evaluate(ctx context.Context, expr string, out any) error {
	var raw []byte
	err := chromedp.Run(ctx, chromedp.Evaluate(expr, &raw, func(ep *runtime.EvaluateParams) *runtime.EvaluateParams {
		return ep.WithAwaitPromise(true)
	}))
	if err != nil || out == nil || len(raw) == 0 {
		return err
	}
	return json.Unmarshal(raw, out)
}

// ConsoleText describes a console call for a test log: "type: arg arg …".
func ConsoleText(e *runtime.EventConsoleAPICalled) string {
	parts := []string{string(e.Type) + ":"}
	for _, a := range e.Args {
		switch {
		case a.Description != "":
			parts = append(parts, a.Description)
		case len(a.Value) > 0:
			parts = append(parts, string(a.Value))
		default:
			parts = append(parts, string(a.Type))
		}
	}
	return strings.Join(parts, " ")
}

// ExceptionText describes an uncaught exception and where it was thrown.
func ExceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	text := d.Text
	if d.Exception != nil && d.Exception.Description != "" {
		text += " " + d.Exception.Description
	}
	return fmt.Sprintf("%s (%s:%d:%d)", text, d.URL, d.LineNumber+1, d.ColumnNumber+1)
}
