// Package tracehook lets the tracing module (github.com/stigmer/stigmer-sdk/adapters/go/tracing)
// record the handshake's workflow spans from the core's workflow helpers, without the core
// depending on OpenTelemetry: the tracing module's interceptor puts a [Recorder] on the workflow
// context, and the helpers call [Record], which does nothing without one.
package tracehook

import "go.temporal.io/sdk/workflow"

// Recorder records a completed span named name, with attributes, in the running workflow.
type Recorder func(ctx workflow.Context, name string, attributes map[string]string)

type recorderKey struct{}

// With returns ctx carrying r.
func With(ctx workflow.Context, r Recorder) workflow.Context {
	return workflow.WithValue(ctx, recorderKey{}, r)
}

// Record records the span with the Recorder on ctx, if there is one.
func Record(ctx workflow.Context, name string, attributes map[string]string) {
	if r, ok := ctx.Value(recorderKey{}).(Recorder); ok && r != nil {
		r(ctx, name, attributes)
	}
}
