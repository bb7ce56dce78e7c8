package liftnet.api;

import java.util.Arrays;
import java.util.Locale;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parsing of the named choices of the command line and the files (units, methods, losses, optimizers, schedules). */
public final class Ids {

    private Ids() {
    }

    /** {@link #parse(String, String, String, Object[], Function)} with the key {@code text} trimmed, in lower case. */
    public static <E> E parse(String what, String text, E[] values, Function<E, String> id) {
        return parse(what, text, text == null ? "" : text.trim().toLowerCase(Locale.ROOT), values, id);
    }

    /**
     * The one of {@code values} whose {@code id} equals {@code key}.
     *
     * @param what what is named, for the message: {@code unknown <what> '<text>'; expected one of <ids>}
     * @param text the text as given, for the message
     * @throws IllegalArgumentException when no value has that id
     */
    public static <E> E parse(String what, String text, String key, E[] values, Function<E, String> id) {
        for (E v : values) {
            if (id.apply(v).equals(key)) {
                return v;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "'; expected one of "
                + Arrays.stream(values).map(id).collect(Collectors.joining(", ")));
    }
}
