package handshake

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/reflect/protoreflect"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
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

// Owner scopes of ApiResourceMetadata.owner_scope (ApiResourceOwnerScope) that the deployed
// service's validation names.
const (
	ownerScopeOrganization    = 2
	ownerScopeIdentityAccount = 3
)

// prepareAgent fills what the SDK can fill on a (cloned) agent execution request and returns the
// problems the deployed service would refuse it for.
func prepareAgent(req *agentexecutionv1.AgentExecution, key string) []string {
	if req.Spec == nil {
		req.Spec = &agentexecutionv1.AgentExecutionSpec{}
	}
	if req.Metadata == nil {
		req.Metadata = &apiresource.ApiResourceMetadata{}
	}
	problems := fillResource(&req.ApiVersion, &req.Kind, KindAgentExecution, req.Metadata, key)
	if req.Spec.GetMessage() == "" {
		problems = append(problems, "spec.message must not be empty")
	}
	if req.Spec.GetAgentId() == "" && req.Spec.GetSessionId() == "" {
		problems = append(problems, "spec.agent_id or spec.session_id must be set")
	}
	if scope, ok := ownerScope(req.Metadata); ok && scope != 0 {
		problems = append(problems, "metadata.owner_scope must be unspecified for an AgentExecution")
	}
	return problems
}

// prepareWorkflow is prepareAgent for workflow execution requests.
func prepareWorkflow(req *workflowexecutionv1.WorkflowExecution, key string) []string {
	if req.Spec == nil {
		req.Spec = &workflowexecutionv1.WorkflowExecutionSpec{}
	}
	if req.Metadata == nil {
		req.Metadata = &apiresource.ApiResourceMetadata{}
	}
	problems := fillResource(&req.ApiVersion, &req.Kind, KindWorkflowExecution, req.Metadata, key)
	if req.Spec.GetWorkflowId() == "" && req.Spec.GetWorkflowInstanceId() == "" {
		problems = append(problems, "spec.workflow_id or spec.workflow_instance_id must be set")
	}
	if scope, ok := ownerScope(req.Metadata); ok && scope != ownerScopeOrganization && scope != ownerScopeIdentityAccount {
		problems = append(problems,
			"metadata.owner_scope must be organization (2) or identity_account (3) for a WorkflowExecution")
	}
	return problems
}

// fillResource sets api_version, kind and metadata.name when they are empty, writes the
// idempotency annotation, and reports an api_version or kind that the caller set to another value.
func fillResource(apiVersion, kind *string, wantKind string, md *apiresource.ApiResourceMetadata, key string) []string {
	var problems []string
	switch *apiVersion {
	case "":
		*apiVersion = APIVersion
	case APIVersion:
	default:
		problems = append(problems, fmt.Sprintf("api_version must be %q, not %q", APIVersion, *apiVersion))
	}
	switch *kind {
	case "":
		*kind = wantKind
	case wantKind:
	default:
		problems = append(problems, fmt.Sprintf("kind must be %q, not %q", wantKind, *kind))
	}
	if md.Name == "" {
		md.Name = ExecutionName(key)
	}
	if md.Annotations == nil {
		md.Annotations = map[string]string{}
	}
	md.Annotations[IdempotencyKeyAnnotation] = key
	return problems
}

// ownerScope reads metadata.owner_scope by reflection, so that this code works with generated
// types that have the field (the deployed schema) and those that do not; ok is false without it.
func ownerScope(md *apiresource.ApiResourceMetadata) (scope protoreflect.EnumNumber, ok bool) {
	m := md.ProtoReflect()
	fd := m.Descriptor().Fields().ByName("owner_scope")
	if fd == nil || fd.Kind() != protoreflect.EnumKind || fd.IsList() {
		return 0, false
	}
	return m.Get(fd).Enum(), true
}

// invalidRequestError is the non-retryable STIGMER_INVALID_REQUEST error for a request the
// deployed service would refuse.
func invalidRequestError(kind string, problems []string) error {
	return temporal.NewNonRetryableApplicationError(
		"stigmer: invalid "+kind+" request: "+strings.Join(problems, "; "), ErrTypeInvalidRequest, nil)
}
