package ai.stigmer.sdk.testing;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/** One {@code create} that a {@link FakeStigmerService} received. */
public final class CreateCall {

  /** The metadata key of the idempotency key. */
  public static final String IDEMPOTENCY_KEY_HEADER = "stigmer-idempotency-key";

  private final Message execution;
  private final Map<String, String> metadata;
  private final String executionId;

  /**
   * Validates and copies the parts.
   *
   * @param execution the execution as the caller sent it, {@code spec.callback_token} included:
   *     an {@link AgentExecution} or a {@link WorkflowExecution}
   * @param metadata the call's ASCII gRPC metadata, keys in lower case
   * @param executionId the id the fake assigned ({@code ae-N} or {@code we-N}); a failed create
   *     got one too, but no execution under it
   */
  public CreateCall(Message execution, Map<String, String> metadata, String executionId) {
    Objects.requireNonNull(execution, "execution");
    if (!(execution instanceof AgentExecution) && !(execution instanceof WorkflowExecution)) {
      throw new IllegalArgumentException("not an execution: " + execution.getClass().getName());
    }
    this.execution = execution;
    this.metadata = Collections.unmodifiableMap(new HashMap<>(metadata));
    this.executionId = Objects.requireNonNull(executionId, "executionId");
  }

  /** The execution as the caller sent it, {@code spec.callback_token} included. */
  public Message execution() {
    return execution;
  }

  /** The call's ASCII gRPC metadata, keys in lower case. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The id the fake assigned ({@code ae-N} or {@code we-N}). */
  public String executionId() {
    return executionId;
  }

  /** Whether this is an agent execution's create. */
  public boolean isAgent() {
    return execution instanceof AgentExecution;
  }

  /**
   * The agent execution as sent.
   *
   * @throws IllegalStateException for a workflow execution's create
   */
  public AgentExecution agentExecution() {
    if (execution instanceof AgentExecution) {
      return (AgentExecution) execution;
    }
    throw new IllegalStateException("create " + executionId + " is a workflow execution's");
  }

  /**
   * The workflow execution as sent.
   *
   * @throws IllegalStateException for an agent execution's create
   */
  public WorkflowExecution workflowExecution() {
    if (execution instanceof WorkflowExecution) {
      return (WorkflowExecution) execution;
    }
    throw new IllegalStateException("create " + executionId + " is an agent execution's");
  }

  /** The caller's task token (a bearer credential: never log it). */
  public ByteString token() {
    return isAgent()
        ? agentExecution().getSpec().getCallbackToken()
        : workflowExecution().getSpec().getCallbackToken();
  }

  /** The {@value #IDEMPOTENCY_KEY_HEADER} header, or {@code null} when absent. */
  public String idempotencyKey() {
    return metadata.get(IDEMPOTENCY_KEY_HEADER);
  }

  /** The {@code authorization} header, or {@code null} when absent. */
  public String authorization() {
    return metadata.get("authorization");
  }

  @Override
  public String toString() {
    // Never the token: only the kind, the id and the metadata keys.
    return "CreateCall["
        + (isAgent() ? "agent" : "workflow")
        + ", executionId="
        + executionId
        + ", metadata keys="
        + metadata.keySet()
        + "]";
  }
}
