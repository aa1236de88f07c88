package ai.stigmer.sdk.conformance;

import ai.stigmer.conformance.v1.Event;
import ai.stigmer.conformance.v1.HarnessResponse;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The framing of the harness protocol: each message is a 4-byte big-endian length followed by that
 * many bytes of the serialized message (proto/ai/stigmer/conformance/v1/harness.proto).
 */
final class Frames {

  /** Largest frame accepted or written: the runner's limit. */
  static final int MAX_FRAME = 64 * 1024 * 1024;

  private Frames() {}

  /** The stream ended inside a frame (its header or its body). */
  static final class TruncatedFrameException extends EOFException {
    private static final long serialVersionUID = 1L;

    TruncatedFrameException(String message) {
      super(message);
    }
  }

  /**
   * Reads the next frame.
   *
   * @return the message, or {@code null} when the stream ends cleanly between frames
   * @throws TruncatedFrameException when the stream ends inside a frame
   * @throws IOException on a read error, an oversized frame or undecodable bytes
   */
  static <M> M read(DataInputStream in, Parser<M> parser) throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    byte[] rest = new byte[3];
    try {
      in.readFully(rest);
    } catch (EOFException e) {
      throw new TruncatedFrameException("stream ended inside a frame header");
    }
    long length =
        ((long) first << 24) | ((rest[0] & 0xffL) << 16) | ((rest[1] & 0xffL) << 8) | (rest[2] & 0xffL);
    if (length > MAX_FRAME) {
      throw new IOException("frame of " + length + " bytes is over the limit of " + MAX_FRAME);
    }
    byte[] data = new byte[(int) length];
    try {
      in.readFully(data);
    } catch (EOFException e) {
      throw new TruncatedFrameException("stream ended inside a frame of " + length + " bytes");
    }
    return parser.parseFrom(data);
  }

  /** Returns one frame holding {@code message}. */
  static byte[] encode(MessageLite message) {
    byte[] data = message.toByteArray();
    if (data.length > MAX_FRAME) {
      throw new IllegalArgumentException(
          "frame of " + data.length + " bytes is over the limit of " + MAX_FRAME);
    }
    byte[] frame = new byte[4 + data.length];
    frame[0] = (byte) (data.length >>> 24);
    frame[1] = (byte) (data.length >>> 16);
    frame[2] = (byte) (data.length >>> 8);
    frame[3] = (byte) data.length;
    System.arraycopy(data, 0, frame, 4, data.length);
    return frame;
  }

  /**
   * Writes responses and events to the protocol stream. Events come from activity threads and gRPC
   * server threads while the main thread answers requests, so every frame is written whole under a
   * lock and flushed.
   */
  static final class Writer {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);

    private final DataOutputStream out;

    Writer(OutputStream out) {
      this.out = new DataOutputStream(Objects.requireNonNull(out, "out"));
    }

    /** Writes one response and flushes it. */
    void write(HarnessResponse response) throws IOException {
      byte[] frame = encode(response);
      synchronized (this) {
        out.write(frame);
        out.flush();
      }
    }

    /** Writes one event (request_id 0); a write error is logged, not thrown. */
    void event(Event event) {
      try {
        write(HarnessResponse.newBuilder().setRequestId(0).setEvent(event).build());
      } catch (IOException | RuntimeException e) {
        log.error("cannot report an event: {}", e.toString());
      }
    }
  }
}
