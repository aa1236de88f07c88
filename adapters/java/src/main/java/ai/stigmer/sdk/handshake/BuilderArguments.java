package ai.stigmer.sdk.handshake;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The checks of what the builders are given. */
final class BuilderArguments {

  private BuilderArguments() {}

  /**
   * Returns {@code value} when it is positive.
   *
   * @param name the setting's name, for the message
   * @throws IllegalArgumentException if the duration is zero or negative
   */
  static Duration positive(Duration value, String name) {
    Objects.requireNonNull(value, name);
    if (value.isZero() || value.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + value);
    }
    return value;
  }

  /**
   * Returns {@code values} as a list when none is {@code null}.
   *
   * @param name the name of one value, for the message
   * @throws NullPointerException if a value is {@code null}
   */
  static <T> List<T> nonNullElements(T[] values, String name) {
    for (T value : values) {
      Objects.requireNonNull(value, name);
    }
    return Arrays.asList(values);
  }
}
