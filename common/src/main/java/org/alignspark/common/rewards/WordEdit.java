package org.alignspark.common.rewards;

/**
 * How far apart two responses are as a single edit: strip the words they share at the start and at the end, and count
 * the longer of the two runs of words left. "It is Rome." and "It is blue." differ by 1 word; "Rome." and "It is
 * blue." by 3. Words are runs of non-whitespace, punctuation included. flr-mine uses it to mine minimal pairs, whose
 * chosen and rejected differ only where the content differs (our option, not the FLR paper's).
 */
public final class WordEdit {
    private WordEdit() {
    }

    /** The longer of the two differing runs of words, 0 when the texts have the same words. */
    public static int span(String a, String b) {
        String[] x = words(a);
        String[] y = words(b);
        int shortest = Math.min(x.length, y.length);
        int prefix = 0;
        while (prefix < shortest && x[prefix].equals(y[prefix])) {
            prefix++;
        }
        int suffix = 0;
        while (suffix < shortest - prefix && x[x.length - 1 - suffix].equals(y[y.length - 1 - suffix])) {
            suffix++;
        }
        return Math.max(x.length, y.length) - prefix - suffix;
    }

    private static String[] words(String text) {
        String trimmed = text.strip();
        return trimmed.isEmpty() ? new String[0] : trimmed.split("\\s+");
    }
}
