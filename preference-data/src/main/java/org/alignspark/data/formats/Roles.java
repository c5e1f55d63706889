package org.alignspark.data.formats;

import java.util.Locale;
import java.util.Set;

/** The chat roles alignspark accepts, as chat templates name them. */
final class Roles {
    static final String SYSTEM = "system";
    static final String USER = "user";
    static final String ASSISTANT = "assistant";
    private static final Set<String> KNOWN = Set.of(SYSTEM, USER, ASSISTANT);

    private Roles() {}

    static String check(String role, String where) {
        String lower = role.toLowerCase(Locale.ROOT);
        if (!KNOWN.contains(lower)) {
            throw new InvalidRowException("'" + where + ".role' is '" + role + "', expected one of system, user, assistant");
        }
        return lower;
    }
}
