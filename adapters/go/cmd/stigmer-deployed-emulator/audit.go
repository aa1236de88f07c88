package main

import (
	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
)

// setCreatedAudit records the creation in status.audit, as the deployed server does (actor
// "system", event "created"). Until this repository's schema has status.audit (issue 9, schema
// parity) there is nothing to set.
func setCreatedAudit(_ *agentexecutionv1.AgentExecution) {}

// touchAudit records a status update in status.audit (event "updated").
func touchAudit(_ *agentexecutionv1.AgentExecution) {}
