package handshake

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	executioncontextv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/executioncontext/v1"
	workflowexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/workflowexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
)

// What the deployed Stigmer service requires of a create request (contract, "Deployed-service
// create fields"). The SDK fills these when they are empty.
const (
	// APIVersion is the api_version of agent and workflow executions.
	APIVersion = "agentic.stigmer.ai/v1"
	// KindAgentExecution is the kind of agent executions.
	KindAgentExecution = "AgentExecution"
	// KindWorkflowExecution is the kind of workflow executions.
	KindWorkflowExecution = "WorkflowExecution"
)

// ExecutionName returns the metadata.name the SDK gives an execution whose request has none:
// "exec-" followed by the first 20 lowercase hex characters of SHA-256 of the idempotency key
// (UTF-8). Every attempt of one activity has the same key, so a retried create names the same
// execution; the Python and Java SDKs derive the same name.
func ExecutionName(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return "exec-" + hex.EncodeToString(sum[:])[:20]
}

// violation is one field the deployed service would refuse: "<field>: <description>", worded as
// the Python and Java SDKs word it.
type violation struct{ field, description string }

// prepareAgent fills what the SDK can fill on a (cloned) agent execution request and returns what
// the deployed service would refuse it for.
func prepareAgent(req *agentexecutionv1.AgentExecution, key string) []violation {
	if req.Spec == nil {
		req.Spec = &agentexecutionv1.AgentExecutionSpec{}
	}
	if req.Metadata == nil {
		req.Metadata = &apiresource.ApiResourceMetadata{}
	}
	v := fillResource(&req.ApiVersion, &req.Kind, KindAgentExecution, req.Metadata, key)
	if req.Spec.GetMessage() == "" {
		v = append(v, violation{"spec.message", "must not be empty"})
	}
	if req.Spec.GetAgentId() == "" && req.Spec.GetSessionId() == "" {
		v = append(v, violation{"spec.agent_id", "either session_id or agent_id must be set"})
	}
	if req.Metadata.GetOwnerScope() != apiresource.ApiResourceOwnerScope_api_resource_owner_scope_unspecified {
		v = append(v, violation{"metadata.owner_scope", "must be unspecified: an agent execution inherits its session's"})
	}
	return append(v, runtimeEnvViolations(req.Spec.GetRuntimeEnv())...)
}

// prepareWorkflow is prepareAgent for workflow execution requests.
func prepareWorkflow(req *workflowexecutionv1.WorkflowExecution, key string) []violation {
	if req.Spec == nil {
		req.Spec = &workflowexecutionv1.WorkflowExecutionSpec{}
	}
	if req.Metadata == nil {
		req.Metadata = &apiresource.ApiResourceMetadata{}
	}
	v := fillResource(&req.ApiVersion, &req.Kind, KindWorkflowExecution, req.Metadata, key)
	if req.Spec.GetWorkflowId() == "" && req.Spec.GetWorkflowInstanceId() == "" {
		v = append(v, violation{"spec.workflow_id", "either workflow_id or workflow_instance_id must be set"})
	}
	switch req.Metadata.GetOwnerScope() {
	// Unspecified is left to services that default it.
	case apiresource.ApiResourceOwnerScope_api_resource_owner_scope_unspecified,
		apiresource.ApiResourceOwnerScope_organization, apiresource.ApiResourceOwnerScope_identity_account:
	default:
		v = append(v, violation{"metadata.owner_scope", "must be organization or identity_account"})
	}
	return append(v, runtimeEnvViolations(req.Spec.GetRuntimeEnv())...)
}

// fillResource sets api_version, kind and metadata.name when they are empty, writes the
// idempotency annotation, and reports an api_version or kind that the caller set to another value
// and a name whose slug would be empty.
func fillResource(apiVersion, kind *string, wantKind string, md *apiresource.ApiResourceMetadata, key string) []violation {
	var v []violation
	switch *apiVersion {
	case "":
		*apiVersion = APIVersion
	case APIVersion:
	default:
		v = append(v, violation{"api_version", "must be '" + APIVersion + "'"})
	}
	switch *kind {
	case "":
		*kind = wantKind
	case wantKind:
	default:
		v = append(v, violation{"kind", "must be '" + wantKind + "'"})
	}
	if md.Name == "" {
		md.Name = ExecutionName(key)
	}
	if !strings.ContainsFunc(md.Name, isASCIIAlnum) {
		v = append(v, violation{"metadata.name", "must contain an ASCII letter or digit"})
	}
	if md.Annotations == nil {
		md.Annotations = map[string]string{}
	}
	md.Annotations[IdempotencyKeyAnnotation] = key
	md.Annotations[ResultEncodingAnnotation] = ResultEncodingBinaryProtobuf
	return v
}

func isASCIIAlnum(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// runtimeEnvViolations reports runtime_env entries without a value, in name order.
func runtimeEnvViolations(env map[string]*executioncontextv1.ExecutionValue) []violation {
	var v []violation
	for _, name := range slices.Sorted(maps.Keys(env)) {
		if env[name].GetValue() == "" {
			v = append(v, violation{"spec.runtime_env['" + name + "'].value", "must not be empty"})
		}
	}
	return v
}

// invalidRequestError is the non-retryable STIGMER_INVALID_REQUEST error for a request the
// deployed service would refuse: "invalid <kind>: <field>: <description>; ...".
func invalidRequestError(kind string, violations []violation) error {
	return temporal.NewNonRetryableApplicationError(
		"invalid "+kind+": "+violationsText(violations), FailureTypeInvalidRequest, nil)
}

// violationsText is "<field>: <description>; ...", as every SDK words a local refusal.
func violationsText(violations []violation) string {
	parts := make([]string, len(violations))
	for i, v := range violations {
		parts[i] = v.field + ": " + v.description
	}
	return strings.Join(parts, "; ")
}
