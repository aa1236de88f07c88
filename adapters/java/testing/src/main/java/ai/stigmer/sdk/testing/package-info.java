/**
 * The test kit of the Stigmer SDK for Java (artifact {@code ai.stigmer:stigmer-sdk-testing}):
 *
 * <ul>
 *   <li>{@link ai.stigmer.sdk.testing.DevServer}, a real Temporal dev server from the
 *       Temporal CLI, started by the Temporal SDK's {@code io.temporal.testing.TemporalDevServer};
 *   <li>{@link ai.stigmer.sdk.testing.FakeStigmerService}, a fake Stigmer service on loopback that
 *       records creates ({@link ai.stigmer.sdk.testing.CreateCall}) and completes, fails or cancels
 *       each caller on demand;
 *   <li>{@link ai.stigmer.sdk.testing.StigmerTestExtension}, a JUnit 5 extension injecting both;
 *   <li>{@link ai.stigmer.sdk.testing.TestWorker}, a worker on a task queue of its own, and {@link
 *       ai.stigmer.sdk.testing.Poll}, for conditions without a notification.
 * </ul>
 */
package ai.stigmer.sdk.testing;
