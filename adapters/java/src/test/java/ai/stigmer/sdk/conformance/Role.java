package ai.stigmer.sdk.conformance;

/** A started role: {@link #stop()} releases its workers, servers and connections. */
interface Role {
  /** Stops the role; never throws. */
  void stop();
}
