package org.slf4j.impl;

import ai.stigmer.sdk.testing.CapturedLogs;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.spi.LoggerFactoryBinder;

/** SLF4J 1.7 binding of the test run: every logger records into {@link CapturedLogs}. */
public final class StaticLoggerBinder implements LoggerFactoryBinder {

  private static final StaticLoggerBinder SINGLETON = new StaticLoggerBinder();

  /** The SLF4J API version this binding is compiled against (read by SLF4J, must not be final). */
  public static String REQUESTED_API_VERSION = "1.7.36";

  private final ILoggerFactory factory =
      new ILoggerFactory() {
        private final Map<String, Logger> loggers = new ConcurrentHashMap<>();

        @Override
        public Logger getLogger(String name) {
          return loggers.computeIfAbsent(name, CapturedLogs.CapturingLogger::new);
        }
      };

  private StaticLoggerBinder() {}

  /** Returns the binding. */
  public static StaticLoggerBinder getSingleton() {
    return SINGLETON;
  }

  @Override
  public ILoggerFactory getLoggerFactory() {
    return factory;
  }

  @Override
  public String getLoggerFactoryClassStr() {
    return CapturedLogs.class.getName();
  }
}
