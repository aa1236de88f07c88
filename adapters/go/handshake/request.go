package handshake

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
	"github.com/stigmer/stigmer-sdk/adapters/go/internal/createrules"
)

// What the deployed Stigmer service requires of a create request (contract, "Deployed-service
// create fields"). The SDK fills these when they are empty.
const (
	// APIVersion is the api_version of agent and workflow executions.
	APIVersion = contract.ApiVersion
	// KindAgentExecution is the kind of agent executions.
	KindAgentExecution = contract.AgentExecutionKind
	// KindWorkflowExecution is the kind of workflow executions.
	KindWorkflowExecution = contract.WorkflowExecutionKind
)

// ExecutionName returns the metadata.name the SDK gives an execution whose request has none:
// "exec-" followed by the first 20 lowercase hex characters of SHA-256 of the idempotency key
// (UTF-8). Every attempt of one activity has the same key, so a retried create names the same
// execution; the Python and Java SDKs derive the same name.
func ExecutionName(idempotencyKey string) string {
	sum := sha256.Sum256([]byte(idempotencyKey))
	return contract.ExecutionNamePrefix + hex.EncodeToString(sum[:])[:contract.ExecutionNameHexChars]
}

// violation is one create rule a request breaks: "<field>: <description>", as protovalidate
// reports it (field path and rule message), worded the same in every SDK.
type violation struct{ field, description string }

// prepare fills what the SDK can fill on a (cloned) agent or workflow execution request, of any
// generated copy of the API, and returns the create rules it breaks.
func prepare(req proto.Message, kind, key string) []violation {
	m := req.ProtoReflect()
	spec, md := mutableSub(m, "spec"), mutableSub(m, "metadata")
	if spec == nil || md == nil {
		return []violation{{"spec", "the message has no spec or metadata: not an execution"}}
	}
	fillResource(m, kind, md, key)
	return ruleViolations(req)
}

// fillResource sets api_version, kind and metadata.name when they are empty and writes the
// idempotency and result-encoding annotations.
func fillResource(m protoreflect.Message, wantKind string, md protoreflect.Message, key string) {
	if getString(m, "api_version") == "" {
		setString(m, "api_version", APIVersion)
	}
	if getString(m, "kind") == "" {
		setString(m, "kind", wantKind)
	}
	if getString(md, "name") == "" {
		setString(md, "name", ExecutionName(key))
	}
	if fd := fieldOf(md, "annotations"); fd != nil && fd.IsMap() {
		annotations := md.Mutable(fd).Map()
		annotations.Set(protoreflect.ValueOfString(IdempotencyKeyAnnotation).MapKey(), protoreflect.ValueOfString(key))
		annotations.Set(protoreflect.ValueOfString(ResultEncodingAnnotation).MapKey(), protoreflect.ValueOfString(ResultEncodingBinaryProtobuf))
	}
}

// ruleViolations checks req against the create rules, the buf.validate constraints declared on
// the protos (docs/handshake-contract.md section 1.2), with protovalidate (internal/createrules).
func ruleViolations(req proto.Message) []violation {
	checked, err := createrules.Check(req)
	if err != nil {
		return []violation{{"spec", err.Error()}}
	}
	v := make([]violation, len(checked))
	for i, each := range checked {
		v[i] = violation{each.Field, each.Description}
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
