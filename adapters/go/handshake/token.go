package handshake

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"

	"github.com/stigmer/stigmer-sdk/adapters/go/internal/contract"
)

// previewLength is how many Base64 characters of a token a preview shows (contract section 3).
const previewLength = contract.TokenPreviewChars

// TokenPreview returns the loggable preview of a task token (contract section 3): the first 20
// characters of its standard Base64 form (RFC 4648, with padding) followed by "...". When the
// Base64 form has 20 characters or fewer, only its first half (rounded down) is shown, so that a
// short token is never shown whole. The empty (or nil) token previews as "<empty>".
//
// A task token is a bearer credential: log, return or put into errors only this preview, never the
// token or its full Base64 form.
func TokenPreview(token []byte) string {
	if len(token) == 0 {
		return "<empty>"
	}
	encoded := base64.StdEncoding.EncodeToString(token)
	if len(encoded) > previewLength {
		return encoded[:previewLength] + "..."
	}
	return encoded[:len(encoded)/2] + "..."
}

// digestLength is how many hex characters of SHA-256 a token digest shows.
const digestLength = contract.TokenDigestChars

// TokenDigest returns the short digest of a task token that log lines carry as token_digest
// beside token_preview: the first 12 lowercase hex characters of SHA-256 of the raw token bytes.
// Unlike the preview, which is the same for every token of a namespace, it tells tokens apart, and
// the Python and Java SDKs compute the same value. It reveals nothing usable of the token.
func TokenDigest(token []byte) string {
	sum := sha256.Sum256(token)
	return hex.EncodeToString(sum[:])[:digestLength]
}

// IdempotencyKey derives the idempotency key of a caller activity (contract section 2):
//
//	"v1:" + lowercase_hex(SHA-256(namespace + "\x1f" + workflowID + "\x1f" + runID + "\x1f" + activityID))
//
// The four values are the activity's own (its namespace name, workflow id, workflow run id and
// activity id), so every attempt of one activity yields the same key although each attempt has a
// new task token. The service uses the key to map a retried activity to the execution its first
// attempt created.
func IdempotencyKey(namespace, workflowID, runID, activityID string) string {
	const sep = "\x1f"
	sum := sha256.Sum256([]byte(namespace + sep + workflowID + sep + runID + sep + activityID))
	return "v1:" + hex.EncodeToString(sum[:])
}
