package handshake

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
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

// violation is one field the deployed service would refuse: "<field>: <description>", worded as
// the Python and Java SDKs word it.
type violation struct{ field, description string }

// Owner scopes of ai.stigmer.commons.apiresource.ApiResourceOwnerScope.
const (
	ownerScopeUnspecified     = 0
	ownerScopeOrganization    = 2
	ownerScopeIdentityAccount = 3
)

// prepare fills what the SDK can fill on a (cloned) agent or workflow execution request, of any
// generated copy of the API, and returns what the deployed service would refuse it for.
func prepare(req proto.Message, kind, key string) []violation {
	m := req.ProtoReflect()
	spec, md := mutableSub(m, "spec"), mutableSub(m, "metadata")
	if spec == nil || md == nil {
		return []violation{{"spec", "the message has no spec or metadata: not an execution"}}
	}
	v := fillResource(m, kind, md, key)
	if kind == KindAgentExecution {
		if getString(spec, "message") == "" {
			v = append(v, violation{"spec.message", "must not be empty"})
		}
		if getString(spec, "agent_id") == "" && getString(spec, "session_id") == "" {
			v = append(v, violation{"spec.agent_id", "either session_id or agent_id must be set"})
		}
		if getEnum(md, "owner_scope") != ownerScopeUnspecified {
			v = append(v, violation{"metadata.owner_scope", "must be unspecified: an agent execution inherits its session's"})
		}
	} else {
		if getString(spec, "workflow_id") == "" && getString(spec, "workflow_instance_id") == "" {
			v = append(v, violation{"spec.workflow_id", "either workflow_id or workflow_instance_id must be set"})
		}
		switch getEnum(md, "owner_scope") {
		// Unspecified is left to services that default it.
		case ownerScopeUnspecified, ownerScopeOrganization, ownerScopeIdentityAccount:
		default:
			v = append(v, violation{"metadata.owner_scope", "must be organization or identity_account"})
		}
	}
	return append(v, runtimeEnvViolations(spec)...)
}

// fillResource sets api_version, kind and metadata.name when they are empty, writes the
// idempotency and result-encoding annotations, and reports an api_version or kind that the caller
// set to another value and a name whose slug would be empty.
func fillResource(m protoreflect.Message, wantKind string, md protoreflect.Message, key string) []violation {
	var v []violation
	switch getString(m, "api_version") {
	case "":
		setString(m, "api_version", APIVersion)
	case APIVersion:
	default:
		v = append(v, violation{"api_version", "must be '" + APIVersion + "'"})
	}
	switch getString(m, "kind") {
	case "":
		setString(m, "kind", wantKind)
	case wantKind:
	default:
		v = append(v, violation{"kind", "must be '" + wantKind + "'"})
	}
	if getString(md, "name") == "" {
		setString(md, "name", ExecutionName(key))
	}
	if !strings.ContainsFunc(getString(md, "name"), isASCIIAlnum) {
		v = append(v, violation{"metadata.name", "must contain an ASCII letter or digit"})
	}
	if fd := fieldOf(md, "annotations"); fd != nil && fd.IsMap() {
		annotations := md.Mutable(fd).Map()
		annotations.Set(protoreflect.ValueOfString(IdempotencyKeyAnnotation).MapKey(), protoreflect.ValueOfString(key))
		annotations.Set(protoreflect.ValueOfString(ResultEncodingAnnotation).MapKey(), protoreflect.ValueOfString(ResultEncodingBinaryProtobuf))
	}
	return v
}

func isASCIIAlnum(r rune) bool {
	return r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))
}

// runtimeEnvViolations reports spec.runtime_env entries without a value, in name order.
func runtimeEnvViolations(spec protoreflect.Message) []violation {
	fd := fieldOf(spec, "runtime_env")
	if fd == nil || !fd.IsMap() || !spec.Has(fd) {
		return nil
	}
	env := spec.Get(fd).Map()
	var names []string
	env.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
		names = append(names, k.String())
		return true
	})
	slices.Sort(names)
	var v []violation
	for _, name := range names {
		value := env.Get(protoreflect.ValueOfString(name).MapKey())
		var entry protoreflect.Message
		if fd.MapValue().Message() != nil {
			entry = value.Message()
		}
		if getString(entry, "value") == "" {
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
