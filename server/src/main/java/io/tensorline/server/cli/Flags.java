package io.tensorline.server.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small command-line parser for {@code --name=value}, {@code --name value} and boolean {@code --name}. Flags
 * are declared up front, so unknown ones and bad values fail with a message that names what was expected.
 */
public final class Flags {

    /** A declared flag. {@code repeatable} flags collect every value. */
    public record Flag(String name, String valueName, String defaultValue, boolean bool, boolean repeatable,
                       String help) {
    }

    /** A usage error: the message is meant for the user. */
    public static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, Flag> declared = new LinkedHashMap<>();
    private final Map<String, List<String>> values = new LinkedHashMap<>();

    public Flags declare(String name, String valueName, String defaultValue, String help) {
        declared.put(name, new Flag(name, valueName, defaultValue, false, false, help));
        return this;
    }

    public Flags declareBool(String name, boolean defaultValue, String help) {
        declared.put(name, new Flag(name, "BOOL", Boolean.toString(defaultValue), true, false, help));
        return this;
    }

    public Flags declareRepeatable(String name, String valueName, String help) {
        declared.put(name, new Flag(name, valueName, null, false, true, help));
        return this;
    }

    /** A repeatable flag whose value, when never given, is {@code defaultValue}. */
    public Flags declareRepeatable(String name, String valueName, String defaultValue, String help) {
        declared.put(name, new Flag(name, valueName, defaultValue, false, true, help));
        return this;
    }

    public Flags parse(String[] args) throws UsageException {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument '" + arg + "' (expected: --flag or --flag=value)");
            }
            String name = arg.substring(2);
            String value = null;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            }
            Flag flag = declared.get(name);
            if (flag == null) {
                throw new UsageException("unknown flag --" + name + " (see --help)");
            }
            if (value == null) {
                if (flag.bool()) {
                    value = "true";
                } else if (i + 1 < args.length) {
                    value = args[++i];
                } else {
                    throw new UsageException("--" + name + " needs a value (expected: --" + name + "=" + flag.valueName() + ")");
                }
            }
            if (flag.bool() && !value.equals("true") && !value.equals("false")) {
                throw new UsageException("--" + name + "=" + value + " (expected: true or false)");
            }
            List<String> list = values.computeIfAbsent(name, k -> new ArrayList<>());
            if (!flag.repeatable()) {
                list.clear();
            }
            list.add(value);
        }
        return this;
    }

    public boolean has(String name) {
        return values.containsKey(name);
    }

    public String get(String name) {
        List<String> v = values.get(name);
        return v == null || v.isEmpty() ? declared.get(name).defaultValue() : v.get(v.size() - 1);
    }

    public List<String> getAll(String name) {
        return values.getOrDefault(name, List.of());
    }

    public boolean getBool(String name) {
        return Boolean.parseBoolean(get(name));
    }

    public int getInt(String name, int min, int max) throws UsageException {
        return (int) getLong(name, min, max);
    }

    public long getLong(String name, long min, long max) throws UsageException {
        String v = get(name);
        try {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + "=" + v + " (expected: an integer from " + min + " to " + max + ")");
        }
    }

    public String usage() {
        StringBuilder sb = new StringBuilder();
        for (Flag f : declared.values()) {
            String left = "  --" + f.name() + (f.bool() ? "[=true|false]" : "=" + f.valueName());
            sb.append(String.format("%-40s %s", left, f.help()));
            if (f.defaultValue() != null) {
                sb.append(" (default: ").append(f.defaultValue()).append(')');
            }
            if (f.repeatable()) {
                sb.append(" (repeatable)");
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
