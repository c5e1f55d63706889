package org.alignspark.data;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import org.alignspark.data.avro.Turn;

/**
 * Sharding and identity keys. A prompt's id is a hash of its normalized turns, so the same prompt gets the
 * same id in every file and every run; the train/test split is a function of that id alone, so no prompt
 * can land on both sides.
 */
public final class PromptIds {
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");
    private static final char FIELD_SEPARATOR = '\u001f';
    private static final char RECORD_SEPARATOR = '\u001e';

    private PromptIds() {}

    /** Unicode NFC, whitespace runs collapsed to one space, trimmed: formatting noise does not make a new prompt. */
    public static String normalize(String text) {
        String nfc = Normalizer.isNormalized(text, Normalizer.Form.NFC) ? text : Normalizer.normalize(text, Normalizer.Form.NFC);
        return WHITESPACE.matcher(nfc).replaceAll(" ").trim();
    }

    /** 128-bit hex id of the normalized prompt turns (role lower-cased). */
    public static String promptId(List<Turn> prompt) {
        StringBuilder key = new StringBuilder();
        for (Turn turn : prompt) {
            key.append(turn.getRole().toLowerCase(java.util.Locale.ROOT)).append(FIELD_SEPARATOR)
                    .append(normalize(turn.getContent())).append(RECORD_SEPARATOR);
        }
        return hex128(key.toString());
    }

    /** 128-bit hex id of exact content: equal ids mean identical records (used to find duplicates). */
    public static String contentId(Object... parts) {
        StringBuilder key = new StringBuilder();
        for (Object part : parts) {
            key.append(part == null ? "\u0000null" : part.toString()).append(RECORD_SEPARATOR);
        }
        return hex128(key.toString());
    }

    /** "test" for a deterministic {@code testFraction} of prompt ids, "train" for the rest. */
    public static String split(String promptId, double testFraction) {
        return unitInterval(promptId) < testFraction ? "test" : "train";
    }

    /** Maps an id to [0, 1) uniformly, from a hash of the id (so it is independent of how the id was made). */
    static double unitInterval(String id) {
        long bits = ByteBuffer.wrap(sha256(("split" + FIELD_SEPARATOR + id).getBytes(StandardCharsets.UTF_8))).getLong();
        return (bits >>> 11) * 0x1.0p-53;
    }

    private static String hex128(String key) {
        byte[] digest = sha256(key.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    private static byte[] sha256(byte[] bytes) {
        return SHA256.get().digest(bytes);
    }

    /** MessageDigest instances are not thread-safe and costly to look up: one per thread. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java runtime", e);
        }
    });
}
