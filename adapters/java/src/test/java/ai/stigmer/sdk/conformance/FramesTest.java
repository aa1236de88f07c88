package ai.stigmer.sdk.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.stigmer.conformance.v1.Event;
import ai.stigmer.conformance.v1.HarnessRequest;
import ai.stigmer.conformance.v1.HarnessResponse;
import ai.stigmer.conformance.v1.ShutdownRequest;
import ai.stigmer.conformance.v1.Started;
import ai.stigmer.conformance.v1.TokenSeen;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class FramesTest {

  private static DataInputStream input(byte[] bytes) {
    return new DataInputStream(new ByteArrayInputStream(bytes));
  }

  @Test
  void roundTrip() throws IOException {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Frames.Writer writer = new Frames.Writer(buffer);
    List<HarnessResponse> sent =
        List.of(
            HarnessResponse.newBuilder()
                .setRequestId(7)
                .setStarted(Started.newBuilder().setAddress("127.0.0.1:1"))
                .build(),
            HarnessResponse.newBuilder()
                .setEvent(
                    Event.newBuilder()
                        .setCallerToken(TokenSeen.newBuilder().setCaseId("c").setLength(3)))
                .build(),
            HarnessResponse.newBuilder().setRequestId(8).build(),
            HarnessResponse.getDefaultInstance()); // an empty message is a zero-length frame
    for (HarnessResponse response : sent) {
      writer.write(response);
    }
    byte[] bytes = buffer.toByteArray();
    int size = sent.get(0).getSerializedSize();
    assertArrayEquals(
        new byte[] {0, 0, (byte) (size >>> 8), (byte) size}, Arrays.copyOf(bytes, 4), "header");

    DataInputStream in = input(bytes);
    for (HarnessResponse want : sent) {
      assertEquals(want, Frames.read(in, HarnessResponse.parser()));
    }
    assertNull(Frames.read(in, HarnessResponse.parser()), "clean end of stream");
  }

  @Test
  void truncatedFrame() {
    byte[] frame =
        Frames.encode(
            HarnessRequest.newBuilder()
                .setRequestId(1)
                .setShutdown(ShutdownRequest.getDefaultInstance())
                .build());
    for (int n : new int[] {1, 3, 4, frame.length - 1}) {
      byte[] prefix = Arrays.copyOf(frame, n);
      assertThrows(
          Frames.TruncatedFrameException.class,
          () -> Frames.read(input(prefix), HarnessRequest.parser()),
          n + " of " + frame.length + " bytes");
    }
  }

  @Test
  void oversizedFrame() {
    int size = Frames.MAX_FRAME + 1;
    byte[] header = {(byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8), (byte) size};
    IOException e =
        assertThrows(IOException.class, () -> Frames.read(input(header), HarnessRequest.parser()));
    assertFalse(e instanceof Frames.TruncatedFrameException, e.toString());
  }

  @Test
  void concurrentEventsStayWhole() throws Exception {
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    Frames.Writer writer = new Frames.Writer(buffer);
    int threads = 8;
    int each = 200;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread worker =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                  return;
                }
                for (int i = 0; i < each; i++) {
                  writer.event(
                      Event.newBuilder()
                          .setServiceToken(
                              TokenSeen.newBuilder()
                                  .setCaseId(thread + "/" + i)
                                  .setIdempotencyKey("x".repeat(i)))
                          .build());
                }
              });
      worker.start();
      started.add(worker);
    }
    go.countDown();
    for (Thread worker : started) {
      worker.join();
    }
    DataInputStream in = input(buffer.toByteArray());
    Set<String> seen = new HashSet<>();
    HarnessResponse response;
    while ((response = Frames.read(in, HarnessResponse.parser())) != null) {
      assertEquals(0, response.getRequestId());
      seen.add(response.getEvent().getServiceToken().getCaseId());
    }
    assertEquals(threads * each, seen.size());
  }
}
