package handshake_test

import (
	"context"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/stigmer/stigmer-sdk/adapters/go/handshake"
)

func TestPluginSetsTheDataConverterUnlessTheUserDid(t *testing.T) {
	plugin, err := handshake.NewPlugin(handshake.PluginOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plugin.Name() != handshake.PluginName {
		t.Fatalf("Name() = %q", plugin.Name())
	}
	var opts client.Options
	if err := plugin.ConfigureClient(context.Background(), client.PluginConfigureClientOptions{ClientOptions: &opts}); err != nil {
		t.Fatal(err)
	}
	// The Stigmer converter decodes the deployed service's json/plain into a proto message.
	if opts.DataConverter == nil || opts.DataConverter == converter.GetDefaultDataConverter() {
		t.Fatalf("DataConverter %v, want the Stigmer one", opts.DataConverter)
	}
	own := converter.GetDefaultDataConverter()
	opts = client.Options{DataConverter: own}
	if err := plugin.ConfigureClient(context.Background(), client.PluginConfigureClientOptions{ClientOptions: &opts}); err != nil {
		t.Fatal(err)
	}
	if opts.DataConverter != own {
		t.Fatal("the plugin replaced the user's data converter")
	}
}
