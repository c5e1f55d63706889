package org.alignspark.common.tokenizer.jinja;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * What a chat template may call on its data, and nothing else: the sandbox of transformers' environment
 * (jinja2's ImmutableSandboxedEnvironment), which lets templates read the conversation but reach no Java object.
 * Strings get the Python {@code str} methods chat templates use ({@code strip}, {@code startswith}, {@code split},
 * …, with Python's semantics); dicts get {@code items}, {@code keys}, {@code values} and {@code get}. Every other
 * method call, and every attribute of a non-container object (Java bean properties such as {@code 'x'.bytes}), fails
 * with {@link JinjaSecurityException}, as jinja2's sandbox raises SecurityError. Maps and lists are read by
 * Jinjava's own resolvers behind this one.
 */
final class SandboxedPythonResolver extends ELResolver {
    private static final Set<String> DICT_METHODS = Set.of("items", "keys", "values", "get");
    /** jinja2's immutable sandbox refuses the mutating list methods (append, pop, …); these two read. */
    private static final Set<String> LIST_METHODS = Set.of("index", "count");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null) {
            return null;
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        if (base instanceof String s) {
            context.setPropertyResolved(true);
            return stringMethod(s, name, args);
        }
        if (base instanceof Map<?, ?>) {
            if (DICT_METHODS.contains(name)) {
                return null;   // Jinjava's PyMap implements them; its resolver calls them
            }
        } else if (base instanceof Collection<?>) {
            if (LIST_METHODS.contains(name)) {
                return null;
            }
        } else if (isEngine(base)) {
            return null;       // Jinjava's filters, tests and loop objects, which the template's syntax calls
        }
        throw new JinjaSecurityException("access to method '" + name + "' of " + typeName(base)
                + " is not allowed in a chat template");
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base == null || base instanceof Map || base instanceof List || base.getClass().isArray()
                || base instanceof Iterable || isEngine(base)) {
            return null;   // identifiers, dict keys, list indexes: Jinjava's resolvers
        }
        // jinja2: a str or number has no attributes a template can read; the result is undefined.
        context.setPropertyResolved(true);
        return null;
    }

    /**
     * Objects of the engine itself (a filter, a test, a for-loop's {@code loop}), which Jinjava reaches through this
     * resolver when a template uses {@code |filter}, {@code is test} or {@code loop.index}; not the template's data,
     * whose containers are handled above.
     */
    private static boolean isEngine(Object base) {
        String name = base.getClass().getName();
        return name.startsWith("com.hubspot.jinjava.") || name.startsWith(HuggingFaceJinja.class.getName());
    }

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, chars(a), true, true);
            case "lstrip" -> strip(s, chars(a), true, false);
            case "rstrip" -> strip(s, chars(a), false, true);
            case "startswith" -> s.startsWith(str(a, 0));
            case "endswith" -> s.endsWith(str(a, 0));
            case "split" -> split(s, a.length == 0 || a[0] == null ? null : a[0].toString(),
                    a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "replace" -> s.replace(str(a, 0), str(a, 1));
            case "upper" -> s.toUpperCase(java.util.Locale.ROOT);
            case "lower" -> s.toLowerCase(java.util.Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                    + s.substring(1).toLowerCase(java.util.Locale.ROOT);
            case "find" -> s.indexOf(str(a, 0));
            case "count" -> count(s, str(a, 0));
            case "join" -> join(s, a[0]);
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(Character::isWhitespace);
            default -> throw new JinjaSecurityException("access to method '" + name + "' of str is not allowed in a chat template");
        };
    }

    private static String str(Object[] a, int i) {
        if (a.length <= i || a[i] == null) {
            throw new IllegalArgumentException("missing argument " + (i + 1));
        }
        return a[i].toString();
    }

    private static String chars(Object[] a) {
        return a.length == 0 || a[0] == null ? null : a[0].toString();
    }

    /** str.strip([chars]): chars absent strips Python whitespace; otherwise any of the given characters. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int start = 0;
        int end = s.length();
        while (left && start < end && stripped(s.charAt(start), chars)) {
            start++;
        }
        while (right && end > start && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(start, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? Character.isWhitespace(c) || Character.isSpaceChar(c) : chars.indexOf(c) >= 0;
    }

    /** str.split(sep, maxsplit): with no separator, runs of whitespace split and empty ends vanish. */
    static List<String> split(String s, String sep, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            String rest = strip(s, null, true, false);
            while (!rest.isEmpty()) {
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rest);
                    return parts;
                }
                int i = 0;
                while (i < rest.length() && !Character.isWhitespace(rest.charAt(i))) {
                    i++;
                }
                parts.add(rest.substring(0, i));
                rest = strip(rest.substring(i), null, true, false);
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int from = 0;
        int at;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (at = s.indexOf(sep, from)) >= 0) {
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (char c : s.toCharArray()) {
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> it) {
            it.forEach(x -> parts.add(String.valueOf(x)));
        } else {
            throw new IllegalArgumentException("join takes a list");
        }
        return String.join(separator, parts);
    }

    private static String typeName(Object o) {
        return o instanceof Number ? "number" : o instanceof Boolean ? "bool" : o.getClass().getSimpleName();
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return Object.class;
    }
}
