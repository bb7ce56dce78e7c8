package liftnet.data;

import java.util.Locale;

/** Which part of a data set: the training samples or the held-out test samples. */
public enum Split {
    TRAIN, TEST;

    /** {@code train} or {@code test}, as used in data set names such as {@code mnist/train}. */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }
}
