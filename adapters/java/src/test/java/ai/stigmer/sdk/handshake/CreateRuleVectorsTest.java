package ai.stigmer.sdk.handshake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.stigmer.agentic.agentexecution.v1.AgentExecution;
import ai.stigmer.agentic.workflowexecution.v1.WorkflowExecution;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The create-rule vectors every SDK checks (testdata/create-rules-vectors.json, the violations
 * protovalidate reports for the protos' rules in Python and Go): this SDK's check of the same
 * rules reports exactly them, in the same order.
 */
class CreateRuleVectorsTest {

  private static Path vectors() {
    Path dir = Paths.get("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testdata").resolve("create-rules-vectors.json");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("testdata/create-rules-vectors.json not found above the build");
  }

  @Test
  void everyVectorReportsTheSameViolations() throws IOException {
    Struct.Builder document = Struct.newBuilder();
    JsonFormat.parser()
        .merge(new String(Files.readAllBytes(vectors()), StandardCharsets.UTF_8), document);
    List<Value> cases = document.getFieldsOrThrow("cases").getListValue().getValuesList();
    assertFalse(cases.isEmpty(), "no vectors");
    for (Value value : cases) {
      Struct vector = value.getStructValue();
      String name = vector.getFieldsOrThrow("name").getStringValue();
      String request = JsonFormat.printer().print(vector.getFieldsOrThrow("request"));
      List<String> got;
      if (vector.getFieldsOrThrow("kind").getStringValue().equals("WorkflowExecution")) {
        WorkflowExecution.Builder workflow = WorkflowExecution.newBuilder();
        JsonFormat.parser().merge(request, workflow);
        got = ExecutionRequests.violations(workflow.build());
      } else {
        AgentExecution.Builder agent = AgentExecution.newBuilder();
        JsonFormat.parser().merge(request, agent);
        got = ExecutionRequests.violations(agent.build());
      }
      List<String> want = new ArrayList<>();
      for (Value violation : vector.getFieldsOrThrow("violations").getListValue().getValuesList()) {
        ListValue pair = violation.getListValue();
        want.add(pair.getValues(0).getStringValue() + ": " + pair.getValues(1).getStringValue());
      }
      assertEquals(want, got, name);
    }
  }
}
