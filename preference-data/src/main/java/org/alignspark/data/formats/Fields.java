package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Predicate;

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
        return checkedText(name, typed(name, JsonNode::isTextual, "a string").textValue());
    }

    String optionalText(String name) {
        return has(name) ? text(name) : null;
    }

    double number(String name) {
        double number = typed(name, JsonNode::isNumber, "a number").doubleValue();
        if (!Double.isFinite(number)) {
            throw new InvalidRowException("field '" + name + "' must be finite, got " + number);
        }
        return number;
    }

    Double optionalNumber(String name) {
        return has(name) ? number(name) : null;
    }

    boolean bool(String name) {
        return typed(name, JsonNode::isBoolean, "a boolean").booleanValue();
    }

    JsonNode array(String name) {
        return typed(name, JsonNode::isArray, "a list");
    }

    /** A conversation left unread: a string or a list of messages. */
    JsonNode conversation(String name) {
        return typed(name, value -> value.isTextual() || value.isArray(), "a string or a list of messages");
    }

    private JsonNode typed(String name, Predicate<JsonNode> isType, String type) {
        JsonNode value = node(name);
        if (!isType.test(value)) {
            throw new InvalidRowException("field '" + name + "' must be " + type + ", got " + typeOf(value));
        }
        return value;
    }

    /** A conversation: a string becomes one user turn, a list of {role, content} messages is kept as is. */
    List<Turn> turns(String name) {
        JsonNode value = conversation(name);
        return value.isTextual() ? List.of(new Turn("user", checkedText(name, value.textValue()))) : messages(name, value);
    }

    /** A list field of {role, content} messages. */
    List<Turn> messages(String name) {
        return messages(name, array(name));
    }

    /** A list of {role, content} messages with known roles and non-empty contents. */
    private List<Turn> messages(String name, JsonNode list) {
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

    /**
     * A non-empty list field whose items are plain strings or objects with {@code text} and more fields; item i is
     * read by {@code plain} or {@code object}, and an object's errors name the item ("attempts[2]: missing field 'text'").
     */
    <T> List<T> textItems(String name, BiFunction<Integer, String, T> plain, BiFunction<Integer, Fields, T> object) {
        JsonNode list = array(name);
        if (list.isEmpty()) {
            throw new InvalidRowException("field '" + name + "' has no " + name);
        }
        List<T> items = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            String where = name + "[" + i + "]";
            if (item.isTextual()) {
                items.add(plain.apply(i, checkedText(where, item.textValue())));
            } else if (item.isObject()) {
                try {
                    items.add(object.apply(i, new Fields(item, maxChars)));
                } catch (InvalidRowException e) {
                    throw new InvalidRowException(where + ": " + e.getMessage());
                }
            } else {
                throw new InvalidRowException("'" + where + "' must be a string or an object with 'text', got " + typeOf(item));
            }
        }
        return items;
    }

    /**
     * The row's top-level fields other than {@code known} whose values are strings, numbers or booleans, as text
     * (Jackson's {@code asText}), sorted by name; lists, objects and nulls are left out.
     */
    java.util.SortedMap<String, String> scalarsExcept(java.util.Set<String> known) {
        java.util.SortedMap<String, String> scalars = new java.util.TreeMap<>();
        row.fields().forEachRemaining(field -> {
            JsonNode value = field.getValue();
            if (!known.contains(field.getKey()) && value.isValueNode() && !value.isNull()) {
                scalars.put(field.getKey(), checkedText(field.getKey(), value.asText()));
            }
        });
        return scalars;
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
