package org.alignspark.data;

import org.alignspark.data.avro.QuarantineRow;

/** Quarantine rows: where a rejected row came from, why, and (the start of) what it said. */
public final class Quarantine {
    private Quarantine() {}

    public static QuarantineRow row(String sourceFile, Long lineNumber, Long byteOffset, String format, String reason,
                                    String raw, int rawCharsKept) {
        return QuarantineRow.newBuilder()
                .setSourceFile(sourceFile)
                .setLineNumber(lineNumber)
                .setByteOffset(byteOffset)
                .setFormat(format)
                .setReason(reason)
                .setRawText(raw.length() > rawCharsKept ? raw.substring(0, rawCharsKept) : raw)
                .setRawLength(raw.length())
                .build();
    }
}
