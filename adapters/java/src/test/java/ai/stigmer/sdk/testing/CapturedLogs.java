package ai.stigmer.sdk.testing;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.MDC;
import org.slf4j.event.Level;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MarkerIgnoringBase;
import org.slf4j.helpers.MessageFormatter;

/**
 * The test run's SLF4J backend (bound by {@code org.slf4j.impl.StaticLoggerBinder} in the test
 * sources): keeps the log events of the SDK ({@code ai.stigmer}, INFO and above) and the warnings
 * and errors of everything else in memory, so tests can assert what was logged, and keeps the build
 * output quiet. Set {@code -Dstigmer.test.verbose=true} to also print them to stderr.
 */
public final class CapturedLogs {

  /** One formatted log event, with the MDC entries (the SDK's key-value fields) at that time. */
  public record Event(
      Level level, String logger, String message, String thrown, Map<String, String> fields) {
    /** Returns the message and the stack trace of the throwable, if any. */
    public String fullText() {
      return thrown == null ? message : message + "\n" + thrown;
    }
  }

  private static final Queue<Event> EVENTS = new ConcurrentLinkedQueue<>();
  private static final boolean VERBOSE = Boolean.getBoolean("stigmer.test.verbose");

  private CapturedLogs() {}

  /** Returns every event captured so far, oldest first. */
  public static List<Event> events() {
    return new ArrayList<>(EVENTS);
  }

  static boolean enabled(String logger, Level level) {
    if (logger.startsWith("ai.stigmer")) {
      return level.toInt() >= Level.INFO.toInt();
    }
    return level.toInt() >= Level.WARN.toInt();
  }

  static void record(String logger, Level level, FormattingTuple tuple) {
    String thrown = null;
    if (tuple.getThrowable() != null) {
      StringWriter out = new StringWriter();
      tuple.getThrowable().printStackTrace(new PrintWriter(out));
      thrown = out.toString();
    }
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    Event event =
        new Event(
            level, logger, tuple.getMessage(), thrown, mdc == null ? Map.of() : Map.copyOf(mdc));
    EVENTS.add(event);
    if (VERBOSE) {
      System.err.println("[" + level + "] " + logger + " - " + event.fullText());
    }
  }

  /** A logger that records into {@link CapturedLogs}. */
  public static final class CapturingLogger extends MarkerIgnoringBase {
    private static final long serialVersionUID = 1L;

    /** Creates the logger of that name. */
    public CapturingLogger(String name) {
      this.name = name;
    }

    private boolean on(Level level) {
      return enabled(name, level);
    }

    private void log(Level level, String format, Object... args) {
      if (on(level)) {
        record(name, level, MessageFormatter.arrayFormat(format, args));
      }
    }

    private void log(Level level, String message, Throwable t) {
      if (on(level)) {
        record(name, level, new FormattingTuple(message, null, t));
      }
    }

    @Override
    public boolean isTraceEnabled() {
      return on(Level.TRACE);
    }

    @Override
    public void trace(String msg) {
      log(Level.TRACE, msg, new Object[0]);
    }

    @Override
    public void trace(String format, Object arg) {
      log(Level.TRACE, format, new Object[] {arg});
    }

    @Override
    public void trace(String format, Object arg1, Object arg2) {
      log(Level.TRACE, format, new Object[] {arg1, arg2});
    }

    @Override
    public void trace(String format, Object... arguments) {
      log(Level.TRACE, format, arguments);
    }

    @Override
    public void trace(String msg, Throwable t) {
      log(Level.TRACE, msg, t);
    }

    @Override
    public boolean isDebugEnabled() {
      return on(Level.DEBUG);
    }

    @Override
    public void debug(String msg) {
      log(Level.DEBUG, msg, new Object[0]);
    }

    @Override
    public void debug(String format, Object arg) {
      log(Level.DEBUG, format, new Object[] {arg});
    }

    @Override
    public void debug(String format, Object arg1, Object arg2) {
      log(Level.DEBUG, format, new Object[] {arg1, arg2});
    }

    @Override
    public void debug(String format, Object... arguments) {
      log(Level.DEBUG, format, arguments);
    }

    @Override
    public void debug(String msg, Throwable t) {
      log(Level.DEBUG, msg, t);
    }

    @Override
    public boolean isInfoEnabled() {
      return on(Level.INFO);
    }

    @Override
    public void info(String msg) {
      log(Level.INFO, msg, new Object[0]);
    }

    @Override
    public void info(String format, Object arg) {
      log(Level.INFO, format, new Object[] {arg});
    }

    @Override
    public void info(String format, Object arg1, Object arg2) {
      log(Level.INFO, format, new Object[] {arg1, arg2});
    }

    @Override
    public void info(String format, Object... arguments) {
      log(Level.INFO, format, arguments);
    }

    @Override
    public void info(String msg, Throwable t) {
      log(Level.INFO, msg, t);
    }

    @Override
    public boolean isWarnEnabled() {
      return on(Level.WARN);
    }

    @Override
    public void warn(String msg) {
      log(Level.WARN, msg, new Object[0]);
    }

    @Override
    public void warn(String format, Object arg) {
      log(Level.WARN, format, new Object[] {arg});
    }

    @Override
    public void warn(String format, Object arg1, Object arg2) {
      log(Level.WARN, format, new Object[] {arg1, arg2});
    }

    @Override
    public void warn(String format, Object... arguments) {
      log(Level.WARN, format, arguments);
    }

    @Override
    public void warn(String msg, Throwable t) {
      log(Level.WARN, msg, t);
    }

    @Override
    public boolean isErrorEnabled() {
      return on(Level.ERROR);
    }

    @Override
    public void error(String msg) {
      log(Level.ERROR, msg, new Object[0]);
    }

    @Override
    public void error(String format, Object arg) {
      log(Level.ERROR, format, new Object[] {arg});
    }

    @Override
    public void error(String format, Object arg1, Object arg2) {
      log(Level.ERROR, format, new Object[] {arg1, arg2});
    }

    @Override
    public void error(String format, Object... arguments) {
      log(Level.ERROR, format, arguments);
    }

    @Override
    public void error(String msg, Throwable t) {
      log(Level.ERROR, msg, t);
    }
  }
}
