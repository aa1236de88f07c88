package main

import (
	"google.golang.org/protobuf/types/known/timestamppb"

	agentexecutionv1 "github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/agentic/agentexecution/v1"
	"github.com/stigmer/stigmer-sdk/adapters/go/gen/ai/stigmer/commons/apiresource"
)

// auditInfo is one audit record by the actor "system", as the deployed server writes it.
func auditInfo(event string, created, updated *timestamppb.Timestamp) *apiresource.ApiResourceAuditInfo {
	system := func() *apiresource.ApiResourceAuditActor { return &apiresource.ApiResourceAuditActor{Id: "system"} }
	return &apiresource.ApiResourceAuditInfo{
		CreatedBy: system(), CreatedAt: created, UpdatedBy: system(), UpdatedAt: updated, Event: event,
	}
}

// setCreatedAudit records the creation in status.audit (event "created"), as the deployed server
// does: Go's encoding/json then writes its Timestamps as {"seconds", "nanos"}.
func setCreatedAudit(e *agentexecutionv1.AgentExecution) {
	now := timestamppb.Now()
	e.Status.Audit = &apiresource.ApiResourceAudit{
		SpecAudit:   auditInfo("created", now, now),
		StatusAudit: auditInfo("created", now, now),
	}
}

// touchAudit records a status update in status.audit (event "updated").
func touchAudit(e *agentexecutionv1.AgentExecution) {
	created := e.GetStatus().GetAudit().GetStatusAudit().GetCreatedAt()
	if created == nil {
		created = timestamppb.Now()
	}
	if e.Status.Audit == nil {
		e.Status.Audit = &apiresource.ApiResourceAudit{}
	}
	e.Status.Audit.StatusAudit = auditInfo("updated", created, timestamppb.Now())
}
