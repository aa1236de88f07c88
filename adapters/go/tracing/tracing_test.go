package tracing_test

import (
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"google.golang.org/grpc"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
	"github.com/stigmer/stigmer-sdk/adapters/go/tracing"
)

func TestConnOptionsAddsTheInstrumentationWithoutTouchingTheCallers(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	mine := []grpc.DialOption{grpc.WithUserAgent("mine")}
	in := handshake.ConnOptions{APIKey: "k", GRPCOptions: mine}
	out := tracing.ConnOptions(tp, in)
	if len(out.GRPCOptions) != 2 || len(in.GRPCOptions) != 1 || out.APIKey != "k" {
		t.Fatalf("ConnOptions = %+v from %+v", out, in)
	}
	if _, err := tracing.NewInterceptor(tp); err != nil {
		t.Fatal(err)
	}
	if _, err := tracing.NewInterceptor(nil); err != nil {
		t.Fatal(err)
	}
}
