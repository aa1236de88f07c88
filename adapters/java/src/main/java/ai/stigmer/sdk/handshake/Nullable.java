package ai.stigmer.sdk.handshake;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a value that may be {@code null}; AutoValue then lets the builder leave it unset (any
 * annotation of this name does: the SDK carries its own rather than a runtime dependency).
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target({ElementType.METHOD, ElementType.PARAMETER})
@interface Nullable {}
