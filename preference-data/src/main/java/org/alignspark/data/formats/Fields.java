package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.avro.Turn;

/** Typed access to the fields of one JSON row; every broken rule becomes an {@link InvalidRowException}. */
final class Fields {
    private final JsonNode row;
    private final int maxChars;

    Fields(JsonNode row, int maxChars) {
        this.row = row;
        this.maxChars = maxChars;
    }

    boolean has(String name) {
        JsonNode value = row.get(name);
        return value != null && !value.isNull();
    }

    JsonNode node(String name) {
        JsonNode value = row.get(name);
        if (value == null || value.isNull()) {
            throw new InvalidRowException("missing field '" + name + "'");
        }
        return value;
    }

    /** A non-empty string field within the length limit. */
    String text(String name) {
        JsonNode value = node(name);
        if (!value.isTextual()) {
            throw new InvalidRowException("field '" + name + "' must be a string, got " + typeOf(value));
        }
        return checkedText(name, value.textValue());
    }

    String optionalText(String name) {
        return has(name) ? text(name) : null;
    }

    double number(String name) {
        JsonNode value = node(name);
        if (!value.isNumber()) {
            throw new InvalidRowException("field '" + name + "' must be a number, got " + typeOf(value));
        }
        double number = value.doubleValue();
        if (!Double.isFinite(number)) {
            throw new InvalidRowException("field '" + name + "' must be finite, got " + number);
        }
        return number;
    }

    Double optionalNumber(String name) {
        return has(name) ? number(name) : null;
    }

    boolean bool(String name) {
        JsonNode value = node(name);
        if (!value.isBoolean()) {
            throw new InvalidRowException("field '" + name + "' must be a boolean, got " + typeOf(value));
        }
        return value.booleanValue();
    }

    JsonNode array(String name) {
        JsonNode value = node(name);
        if (!value.isArray()) {
            throw new InvalidRowException("field '" + name + "' must be a list, got " + typeOf(value));
        }
        return value;
    }

    /** A conversation: a string becomes one user turn, a list of {role, content} messages is kept as is. */
    List<Turn> turns(String name) {
        JsonNode value = node(name);
        if (value.isTextual()) {
            return List.of(new Turn("user", checkedText(name, value.textValue())));
        }
        if (value.isArray()) {
            return messages(name, value);
        }
        throw new InvalidRowException("field '" + name + "' must be a string or a list of messages, got " + typeOf(value));
    }

    /** A list of {role, content} messages with known roles and non-empty contents. */
    List<Turn> messages(String name, JsonNode list) {
        if (list.isEmpty()) {
            throw new InvalidRowException("field '" + name + "' has no messages");
        }
        List<Turn> turns = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode message = list.get(i);
            String where = name + "[" + i + "]";
            if (!message.isObject()) {
                throw new InvalidRowException("'" + where + "' must be a {role, content} message, got " + typeOf(message));
            }
            JsonNode role = message.get("role");
            JsonNode content = message.get("content");
            if (role == null || !role.isTextual()) {
                throw new InvalidRowException("'" + where + ".role' must be a string");
            }
            if (content == null || !content.isTextual()) {
                throw new InvalidRowException("'" + where + ".content' must be a string");
            }
            turns.add(new Turn(Roles.check(role.textValue(), where), checkedText(where + ".content", content.textValue())));
        }
        return turns;
    }

    String checkedText(String name, String text) {
        return checkedText(name, text, maxChars);
    }

    /** The rules every text obeys: not blank, no NUL characters, at most {@code maxChars} characters. */
    static String checkedText(String name, String text, int maxChars) {
        if (text.isBlank()) {
            throw new InvalidRowException("field '" + name + "' is empty");
        }
        if (text.length() > maxChars) {
            throw new InvalidRowException("field '" + name + "' has " + text.length() + " characters, over the limit of " + maxChars);
        }
        if (text.indexOf('\u0000') >= 0) {
            throw new InvalidRowException("field '" + name + "' contains a NUL character");
        }
        return text;
    }

    static String typeOf(JsonNode value) {
        return value.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
