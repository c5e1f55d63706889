package org.alignspark.cli;

/** Checks of option values picocli cannot express: a job fails on a bad value before it reads anything. */
public final class OptionChecks {
    private OptionChecks() {}

    /** Fails with {@code message} (which names the option and the value given) unless {@code ok}. */
    public static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
