package org.slf4j.impl;

import org.slf4j.helpers.BasicMDCAdapter;
import org.slf4j.spi.MDCAdapter;

/** SLF4J 1.7 MDC binding of the test run. */
public final class StaticMDCBinder {

  /** The binding. */
  public static final StaticMDCBinder SINGLETON = new StaticMDCBinder();

  private final MDCAdapter adapter = new BasicMDCAdapter();

  private StaticMDCBinder() {}

  /** Returns the binding. */
  public static StaticMDCBinder getSingleton() {
    return SINGLETON;
  }

  /** Returns the MDC adapter. */
  public MDCAdapter getMDCA() {
    return adapter;
  }

  /** Returns the MDC adapter's class name. */
  public String getMDCAdapterClassStr() {
    return BasicMDCAdapter.class.getName();
  }
}
