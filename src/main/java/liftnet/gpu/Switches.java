package liftnet.gpu;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;
import liftnet.api.EngineException;

/** Enum constants chosen by system property, for {@link GpuOptions#fromSystemProperties()} (scripts/gpu-variants.sh). */
final class Switches {

    private Switches() {
    }

    /**
     * The constant of {@code type} named (in any case) by system property {@code property}, else {@code fallback}.
     *
     * @throws EngineException when the property names none of them
     */
    static <E extends Enum<E>> E fromProperty(Class<E> type, String property, E fallback) {
        String v = System.getProperty(property);
        if (v == null) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, v.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            String names = Arrays.stream(type.getEnumConstants()).map(c -> c.name().toLowerCase(Locale.ROOT))
                    .collect(Collectors.joining(", "));
            throw new EngineException("-D" + property + "=" + v + " is not one of " + names + "; fix the property");
        }
    }
}
