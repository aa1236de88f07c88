/**
 * The Temporal token handshake of Stigmer on the Temporal Java SDK.
 *
 * <p>Caller side: {@link ai.stigmer.sdk.handshake.StigmerHandshake} starts a Stigmer execution from
 * inside an activity and leaves the activity pending; schedule that activity with {@link
 * ai.stigmer.sdk.handshake.HandshakeActivityOptions}. Completion side: {@link
 * ai.stigmer.sdk.handshake.ExternalActivityCompleter} completes the caller's activity by its token;
 * {@link ai.stigmer.sdk.handshake.SystemActivities} is the system activity {@code
 * stigmer/system/complete-external-activity} that a service's workflow schedules with {@link
 * ai.stigmer.sdk.handshake.WorkflowCompletions}. Token tools: {@link
 * ai.stigmer.sdk.handshake.TaskTokens} and {@link ai.stigmer.sdk.handshake.IdempotencyKeys}.
 *
 * <p>Everything here follows the cross-language handshake contract ({@code
 * docs/handshake-contract.md}) that the Python and Go SDKs implement too.
 */
package ai.stigmer.sdk.handshake;
