package org.alignspark.data.formats;

/** Thrown by readers for a row that breaks a rule; its message is the quarantine reason. */
public final class InvalidRowException extends RuntimeException {
    public InvalidRowException(String reason) {
        super(reason, null, false, false);
    }
}
