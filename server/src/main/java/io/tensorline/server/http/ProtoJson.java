package io.tensorline.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import com.google.protobuf.MessageOrBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Prints a protobuf message as JSON in the format Triton uses for model configs: proto field names
 * ({@code data_type}, not {@code dataType}), enums by name, singular scalar fields always (defaults included),
 * repeated fields and maps always (empty ones as {@code []} and {@code {}}), 64-bit integers as JSON numbers
 * (protobuf's own JsonFormat writes them as strings), maps as objects with sorted keys. Unset message fields,
 * unset oneof members and unset proto3 {@code optional} fields are left out. Stateless and thread-safe.
 */
public final class ProtoJson {

    private ProtoJson() {
    }

    /** The message as a JSON string. */
    public static String toJson(MessageOrBuilder message) {
        StringWriter out = new StringWriter();
        try (JsonGenerator g = JsonSupport.FACTORY.createGenerator(out)) {
            write(message, g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Writes the message as one JSON object. */
    public static void write(MessageOrBuilder message, JsonGenerator g) throws IOException {
        g.writeStartObject();
        for (FieldDescriptor field : message.getDescriptorForType().getFields()) {
            if (!printed(message, field)) {
                continue;
            }
            g.writeFieldName(field.getName());
            if (field.isMapField()) {
                writeMap(field, (List<?>) message.getField(field), g);
            } else if (field.isRepeated()) {
                g.writeStartArray();
                int n = message.getRepeatedFieldCount(field);
                for (int i = 0; i < n; i++) {
                    writeValue(field, message.getRepeatedField(field, i), g);
                }
                g.writeEndArray();
            } else {
                writeValue(field, message.getField(field), g);
            }
        }
        g.writeEndObject();
    }

    private static boolean printed(MessageOrBuilder message, FieldDescriptor field) {
        if (field.isRepeated()) {
            return true;
        }
        // messages, members of real oneofs and proto3 `optional` scalars track presence: print them when set
        return !field.hasPresence() || message.hasField(field);
    }

    private static void writeMap(FieldDescriptor field, List<?> entries, JsonGenerator g) throws IOException {
        FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
        FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        List<Message> sorted = new ArrayList<>(entries.size());
        for (Object e : entries) {
            sorted.add((Message) e);
        }
        sorted.sort((a, b) -> compareKeys(a.getField(keyField), b.getField(keyField)));
        g.writeStartObject();
        for (Message entry : sorted) {
            g.writeFieldName(keyString(keyField, entry.getField(keyField)));
            writeValue(valueField, entry.getField(valueField), g);
        }
        g.writeEndObject();
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static int compareKeys(Object a, Object b) {
        return ((Comparable) a).compareTo(b);
    }

    private static String keyString(FieldDescriptor keyField, Object key) {
        if (key instanceof Integer i && isUnsigned(keyField)) {
            return Integer.toUnsignedString(i);
        }
        if (key instanceof Long l && isUnsigned(keyField)) {
            return Long.toUnsignedString(l);
        }
        return String.valueOf(key);
    }

    private static void writeValue(FieldDescriptor field, Object value, JsonGenerator g) throws IOException {
        switch (field.getJavaType()) {
            case INT -> {
                int v = (Integer) value;
                if (isUnsigned(field)) {
                    g.writeNumber(Integer.toUnsignedLong(v));
                } else {
                    g.writeNumber(v);
                }
            }
            case LONG -> {
                long v = (Long) value;
                if (isUnsigned(field) && v < 0) {
                    g.writeNumber(Long.toUnsignedString(v));
                } else {
                    g.writeNumber(v);
                }
            }
            case FLOAT -> writeFloating((Float) value, g);
            case DOUBLE -> writeFloating((Double) value, g);
            case BOOLEAN -> g.writeBoolean((Boolean) value);
            case STRING -> g.writeString((String) value);
            case BYTE_STRING -> g.writeString(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
            case ENUM -> {
                EnumValueDescriptor e = (EnumValueDescriptor) value;
                if (e.getIndex() >= 0) {
                    g.writeString(e.getName());
                } else {
                    g.writeNumber(e.getNumber()); // a number this schema does not know
                }
            }
            case MESSAGE -> write((MessageOrBuilder) value, g);
        }
    }

    /** NaN and the infinities as strings, as protobuf's JSON mapping spells them. */
    private static void writeFloating(double v, JsonGenerator g) throws IOException {
        if (Double.isNaN(v)) {
            g.writeString("NaN");
        } else if (Double.isInfinite(v)) {
            g.writeString(v > 0 ? "Infinity" : "-Infinity");
        } else {
            g.writeNumber(v);
        }
    }

    private static void writeFloating(float v, JsonGenerator g) throws IOException {
        if (Float.isNaN(v) || Float.isInfinite(v)) {
            writeFloating((double) v, g);
        } else {
            g.writeNumber(v);
        }
    }

    private static boolean isUnsigned(FieldDescriptor field) {
        return switch (field.getType()) {
            case UINT32, FIXED32, UINT64, FIXED64 -> true;
            default -> false;
        };
    }
}
