package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.agentexecution.v1.AgentExecutionSpec;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecutionSpec;
import ai.stigmer.commons.apiresource.ApiResourceMetadata;
import io.temporal.failure.ApplicationFailure;
import org.junit.jupiter.api.Test;

class ExecutionRequestsTest {

  private static final String KEY =
      "v1:b387d4532a32de8a31e4b37c390bb9c2e8ef4a4922a4c512f3c98daa8164c149";

  @Test
  void nameIsDerivedFromTheKeyAsInEveryLanguage() {
    // hashlib.sha256(KEY.encode()).hexdigest()[:20]
    assertEquals("exec-2106b688aba43d0aae5e", ExecutionRequests.executionName(KEY));
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
    AgentExecution bad = AgentExecution.newBuilder().setApiVersion("v2").build();
    ApplicationFailure e =
        assertThrows(ApplicationFailure.class, () -> ExecutionRequests.prepareAgent(bad, KEY));
    assertEquals(HandshakeFailureTypes.INVALID_REQUEST, e.getType());
    assertTrue(e.isNonRetryable());
    assertEquals(
        "invalid agent execution request: api_version must be \"agentic.stigmer.ai/v1\", not "
            + "\"v2\"; spec.message must not be empty; spec.agent_id or spec.session_id must be "
            + "set",
        e.getOriginalMessage());
  }

  @Test
  void workflowRequestNeedsAWorkflow() {
    WorkflowExecution none = WorkflowExecution.getDefaultInstance();
    ApplicationFailure e =
        assertThrows(
            ApplicationFailure.class, () -> ExecutionRequests.prepareWorkflow(none, KEY));
    assertEquals(HandshakeFailureTypes.INVALID_REQUEST, e.getType());
    assertTrue(
        e.getOriginalMessage().contains("spec.workflow_id or spec.workflow_instance_id"),
        e.getOriginalMessage());
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
