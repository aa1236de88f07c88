package handshake

import (
	"context"
	"maps"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"google.golang.org/grpc"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// PluginName is the name of the plugin [NewPlugin] returns, as Temporal reports it (the Python
// SDK's StigmerPlugin has the same).
const PluginName = contract.PluginName

// PluginOptions configures [NewPlugin]. The zero value wires the data converter and the system
// activity.
type PluginOptions struct {
	// Stigmer is the connection to the Stigmer service ([NewConn]) that the caller activities
	// ([CallerActivities]: [GetExecutionActivityName], [WatchExecutionActivityName] and
	// [CancelExecutionActivityName]) query;
	// nil: they are not registered.
	Stigmer grpc.ClientConnInterface
	// DisableSystemActivities leaves out the completion system activity ([SystemActivityName]),
	// which is otherwise registered on every worker and completes through that worker's client.
	// Pure callers may set it.
	DisableSystemActivities bool
	// Interceptors are added to the client and its workers, for example the OpenTelemetry tracing
	// interceptor of github.com/stigmer/stigmer-sdk/adapters/go/tracing (tracing of the handshake
	// across workflows and activities) or of go.temporal.io/sdk/contrib/opentelemetry.
	Interceptors []interceptor.Interceptor
}

// NewPlugin returns a Temporal plugin (go.temporal.io/sdk/temporal.SimplePlugin) that sets a
// client and every worker built from it up for Stigmer handshakes, the Go counterpart of the
// Python SDK's StigmerPlugin:
//
//   - the data converter [NewDataConverter], unless the client (or replayer) options already have
//     one (it is the user's then: make it decode what [NewDataConverter] decodes);
//   - the completion system activity on every worker (unless DisableSystemActivities), and the
//     caller activities when Stigmer is set; an activity the user registered under the same name
//     is kept;
//   - the interceptors of [PluginOptions].Interceptors.
//
// Put it on the client; workers built from that client get it too:
//
//	plugin, err := handshake.NewPlugin(handshake.PluginOptions{Stigmer: conn})
//	c, err := client.Dial(client.Options{HostPort: addr, Plugins: []client.Plugin{plugin}})
//	w := worker.New(c, "callers", worker.Options{})
func NewPlugin(opts PluginOptions) (*temporal.SimplePlugin, error) {
	// Client interceptors only: the SDK gives a client interceptor that is also a worker
	// interceptor to the client's workers and replayers; listing it as a worker interceptor too
	// would run it twice there (every workflow and activity span doubled).
	var clientInterceptors []interceptor.ClientInterceptor
	for _, i := range opts.Interceptors {
		clientInterceptors = append(clientInterceptors, i)
	}
	// Names the user registered per worker, so that the plugin does not replace them.
	var (
		mu         sync.Mutex
		registered = map[string]map[string]bool{}
	)
	return temporal.NewSimplePlugin(temporal.SimplePluginOptions{
		Name:               PluginName,
		ClientInterceptors: clientInterceptors,
		ConfigureClient: func(_ context.Context, o client.PluginConfigureClientOptions) error {
			if o.ClientOptions.DataConverter == nil {
				o.ClientOptions.DataConverter = NewDataConverter()
			}
			return nil
		},
		ConfigureWorkflowReplayer: func(_ context.Context, o worker.PluginConfigureWorkflowReplayerOptions) error {
			if o.WorkflowReplayerOptions.DataConverter == nil {
				o.WorkflowReplayerOptions.DataConverter = NewDataConverter()
			}
			return nil
		},
		ConfigureWorker: func(_ context.Context, o worker.PluginConfigureWorkerOptions) error {
			key := o.WorkerInstanceKey
			mu.Lock()
			registered[key] = map[string]bool{}
			mu.Unlock()
			previous := o.WorkerRegistryOptions.OnRegisterActivity
			o.WorkerRegistryOptions.OnRegisterActivity = func(a any, ro activity.RegisterOptions) {
				if ro.Name != "" {
					mu.Lock()
					if registered[key] != nil {
						registered[key][ro.Name] = true
					}
					mu.Unlock()
				}
				if previous != nil {
					previous(a, ro)
				}
			}
			return nil
		},
		RunContextBefore: func(_ context.Context, o temporal.SimplePluginRunContextBeforeOptions) error {
			if o.WorkflowReplayer {
				return nil
			}
			mu.Lock()
			taken := maps.Clone(registered[o.InstanceKey])
			mu.Unlock()
			register := func(name string, f any) {
				if !taken[name] {
					o.Registry.RegisterActivityWithOptions(f, activity.RegisterOptions{Name: name})
				}
			}
			if !opts.DisableSystemActivities {
				register(SystemActivityName, (&SystemActivities{Completer: &Completer{}}).CompletePayload)
			}
			if opts.Stigmer != nil {
				callers := NewCallerActivities(opts.Stigmer)
				register(GetExecutionActivityName, callers.GetExecution)
				register(WatchExecutionActivityName, callers.WatchExecution)
				register(CancelExecutionActivityName, callers.CancelExecution)
			}
			return nil
		},
		RunContextAfter: func(_ context.Context, o temporal.SimplePluginRunContextAfterOptions) {
			mu.Lock()
			delete(registered, o.InstanceKey)
			mu.Unlock()
		},
	})
}
