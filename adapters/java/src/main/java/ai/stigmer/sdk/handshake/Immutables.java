package ai.stigmer.sdk.handshake;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Unmodifiable collections on Java 8, where {@code List.of} and its kin do not exist. */
final class Immutables {

  private Immutables() {}

  @SafeVarargs
  static <T> List<T> list(T... elements) {
    return Collections.unmodifiableList(Arrays.asList(elements.clone()));
  }

  @SafeVarargs
  static <T> Set<T> set(T... elements) {
    return Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(elements)));
  }

  static <K, V> Map<K, V> map(K key, V value) {
    return Collections.singletonMap(key, value);
  }
}
