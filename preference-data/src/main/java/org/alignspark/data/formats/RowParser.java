package org.alignspark.data.formats;

import java.io.Serializable;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

/** One JSON line in, one {@link RowOutcome} out: malformed JSON and broken rules become rejections, never exceptions. */
public final class RowParser implements Serializable {
    private static final ObjectReader JSON = new ObjectMapper()
            .readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final FormatReader reader;

    public RowParser(FormatReader reader) {
        this.reader = reader;
    }

    public FormatReader reader() {
        return reader;
    }

    public RowOutcome parse(String line) {
        if (line.isBlank()) {
            return new RowOutcome.Rejected("blank line");
        }
        JsonNode row;
        try {
            row = JSON.readValue(line);
        } catch (JacksonException e) {
            return new RowOutcome.Rejected("malformed JSON: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (row == null || !row.isObject()) {
            return new RowOutcome.Rejected("not a JSON object");
        }
        try {
            return reader.read(row);
        } catch (InvalidRowException e) {
            return new RowOutcome.Rejected(e.getMessage());
        }
    }

    /**
     * Parses the first line of a file to let a format pick its dataset kind; null when there is no line or it is not a
     * JSON object.
     */
    public static JsonNode firstObject(String line) {
        if (line == null) {
            return null;
        }
        try {
            JsonNode row = JSON.readValue(line);
            return row != null && row.isObject() ? row : null;
        } catch (JacksonException e) {
            return null;
        }
    }
}
