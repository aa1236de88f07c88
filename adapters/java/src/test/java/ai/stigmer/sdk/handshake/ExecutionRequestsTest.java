package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.executioncontext.v1.ExecutionValue;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import ai.stigmer.commons.apiresource.ApiResourceOwnerScope;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

class ExecutionRequestsTest {

  private static final String KEY =
      "v1:b387d4532a32de8a31e4b37c390bb9c2e8ef4a4922a4c512f3c98daa8164c149";

  @Test
  void nameIsDerivedFromTheKeyAsInEveryLanguage() {
    // hashlib.sha256(KEY.encode()).hexdigest()[:20]
    assertEquals("exec-2106b688aba43d0aae5e", ExecutionRequests.executionName(KEY));
    // The contract's example (section 1.1).
    assertEquals(
        "exec-f5fdba99bcea2eb1aa06",
        ExecutionRequests.executionName(
            "v1:64af68bd1204dce0666305e56cd78a7aebc7043e257ec1a5c5d5a8b171cc1fc6"));
  }

  @Test
  void agentRequestOfTheDocsIsFilled() {
    AgentExecution docs =
        AgentExecution.newBuilder()
            .setSpec(AgentExecutionSpec.newBuilder().setAgentId("agt-1").setMessage("hi"))
            .build();
    AgentExecution sent = ExecutionRequests.prepareAgent(docs, KEY);
    assertEquals("agentic.stigmer.ai/v1", sent.getApiVersion());
    assertEquals("AgentExecution", sent.getKind());
    assertEquals("exec-2106b688aba43d0aae5e", sent.getMetadata().getName());
    assertEquals(KEY, sent.getMetadata().getAnnotationsOrThrow(IdempotencyKeys.ANNOTATION_KEY));
    assertEquals(
        "binary/protobuf",
        sent.getMetadata().getAnnotationsOrThrow("stigmer.ai/result-encoding"),
        "the caller declares that it decodes binary/protobuf");
    assertEquals(docs.getSpec(), sent.getSpec());
    assertEquals(AgentExecution.getDefaultInstance().getKind(), docs.getKind(), "input untouched");
  }

  @Test
  void aNameTheCallerGaveIsKept() {
    AgentExecution named =
        AgentExecution.newBuilder()
            .setMetadata(ApiResourceMetadata.newBuilder().setName("mine"))
            .setSpec(AgentExecutionSpec.newBuilder().setSessionId("ses-1").setMessage("hi"))
            .build();
    assertEquals("mine", ExecutionRequests.prepareAgent(named, KEY).getMetadata().getName());
  }

  @Test
  void agentProblemsAreRefusedTogether() {
    AgentExecution bad =
        AgentExecution.newBuilder()
            .setApiVersion("v2")
            .setMetadata(
                ApiResourceMetadata.newBuilder()
                    .setName("---")
                    .setOwnerScope(ApiResourceOwnerScope.organization))
            .setSpec(
                AgentExecutionSpec.newBuilder()
                    .putRuntimeEnv("B_KEY", ExecutionValue.getDefaultInstance())
                    .putRuntimeEnv("A_KEY", ExecutionValue.newBuilder().setValue("set").build()))
            .build();
    ApplicationFailure e =
        assertThrows(ApplicationFailure.class, () -> ExecutionRequests.prepareAgent(bad, KEY));
    assertEquals(HandshakeFailureTypes.INVALID_REQUEST, e.getType());
    assertTrue(e.isNonRetryable());
    assertEquals(
        "invalid AgentExecution: api_version: must equal `agentic.stigmer.ai/v1`; "
            + "metadata: AgentExecution owner_scope must be unspecified (inherits premission "
            + "from session); "
            + "metadata: name must contain an ASCII letter or digit (the slug is derived from "
            + "it); "
            + "spec: either agent_id or session_id must be set; "
            + "spec.message: must be at least 1 characters; "
            + "spec.runtime_env[\"B_KEY\"].value: must be at least 1 characters",
        e.getOriginalMessage());
  }

  @Test
  void aKindOfTheOtherMessageIsRefused() {
    AgentExecution wrongKind =
        AgentExecution.newBuilder()
            .setKind("WorkflowExecution")
            .setSpec(AgentExecutionSpec.newBuilder().setAgentId("a").setMessage("m"))
            .build();
    ApplicationFailure e =
        assertThrows(
            ApplicationFailure.class, () -> ExecutionRequests.prepareAgent(wrongKind, KEY));
    assertEquals(
        "invalid WorkflowExecution: kind: must equal `AgentExecution`", e.getOriginalMessage());
  }

  private static WorkflowExecution workflowWithScope(ApiResourceOwnerScope scope) {
    return WorkflowExecution.newBuilder()
        .setMetadata(ApiResourceMetadata.newBuilder().setOwnerScope(scope))
        .setSpec(WorkflowExecutionSpec.newBuilder().setWorkflowInstanceId("wfi-1"))
        .build();
  }

  @Test
  void workflowOwnerScopes() {
    // Unspecified, organization and identity account are left to the service.
    ExecutionRequests.prepareWorkflow(
        workflowWithScope(ApiResourceOwnerScope.api_resource_owner_scope_unspecified), KEY);
    ExecutionRequests.prepareWorkflow(workflowWithScope(ApiResourceOwnerScope.organization), KEY);
    ExecutionRequests.prepareWorkflow(
        workflowWithScope(ApiResourceOwnerScope.identity_account), KEY);
    WorkflowExecution platform = workflowWithScope(ApiResourceOwnerScope.platform);
    ApplicationFailure e =
        assertThrows(
            ApplicationFailure.class, () -> ExecutionRequests.prepareWorkflow(platform, KEY));
    assertEquals(
        "invalid WorkflowExecution: metadata: WorkflowExecution resources can only have "
            + "organization or identity_account scope",
        e.getOriginalMessage());
  }

  @Test
  void workflowRequestNeedsAWorkflow() {
    WorkflowExecution none = WorkflowExecution.getDefaultInstance();
    ApplicationFailure e =
        assertThrows(
            ApplicationFailure.class, () -> ExecutionRequests.prepareWorkflow(none, KEY));
    assertEquals(HandshakeFailureTypes.INVALID_REQUEST, e.getType());
    // No spec at all: the field's own rule (required), as protovalidate reports it in every SDK.
    assertEquals("invalid WorkflowExecution: spec: value is required", e.getOriginalMessage());
    WorkflowExecution emptySpec =
        none.toBuilder()
            .setSpec(
                WorkflowExecutionSpec.newBuilder()
                    .putRuntimeEnv("K", ExecutionValue.newBuilder().setValue("v").build()))
            .build();
    ApplicationFailure noWorkflow =
        assertThrows(
            ApplicationFailure.class, () -> ExecutionRequests.prepareWorkflow(emptySpec, KEY));
    assertEquals(
        "invalid WorkflowExecution: spec: either workflow_id or workflow_instance_id must be set",
        noWorkflow.getOriginalMessage());
    WorkflowExecution ok =
        WorkflowExecution.newBuilder()
            .setSpec(WorkflowExecutionSpec.newBuilder().setWorkflowId("wf-1"))
            .build();
    WorkflowExecution sent = ExecutionRequests.prepareWorkflow(ok, KEY);
    assertEquals("WorkflowExecution", sent.getKind());
    assertEquals("agentic.stigmer.ai/v1", sent.getApiVersion());
    assertEquals("exec-2106b688aba43d0aae5e", sent.getMetadata().getName());
  }
}
