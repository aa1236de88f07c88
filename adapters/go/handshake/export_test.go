package handshake

// Internal helpers, exported to this package's external tests only.
var (
	UnmarshalGoJSON        = unmarshalGoJSON
	CodeName               = codeName
	CreateFailureRetryable = createFailureRetryable
	ProtoPayload           = protoPayload
	PackMessage            = packMessage
	MessageTypeFromTypeURL = messageTypeFromTypeURL
)
