package io.tensorline.client;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The REST infer body (PROTOCOL.md §2.2) with the binary tensor extension (§2.3): a JSON header, then the blobs of
 * binary inputs in input order; the reply the same way round.
 */
final class RestCodec {

    private RestCodec() {
    }

    static InferCodec.RestBody encode(InferRequest r, boolean binary) {
        ByteArrayOutputStream json = new ByteArrayOutputStream(256);
        List<InferTensor> blobs = new ArrayList<>();
        try (JsonWriter w = new JsonWriter(new OutputStreamWriter(json, StandardCharsets.UTF_8))) {
            w.beginObject();
            if (!r.id().isEmpty()) {
                w.name("id").value(r.id());
            }
            Map<String, Object> params = new LinkedHashMap<>(r.parameters());
            if (binary && r.outputs().isEmpty()) {
                params.put("binary_data_output", true);
            }
            if (!params.isEmpty()) {
                w.name("parameters");
                writeParameters(w, params);
            }
            w.name("inputs").beginArray();
            for (InferTensor t : r.inputs()) {
                w.beginObject().name("name").value(t.name()).name("datatype").value(t.datatype());
                w.name("shape").beginArray();
                for (long d : t.shape()) {
                    w.value(d);
                }
                w.endArray();
                boolean asBinary = binary || t.datatype().equals("FP16") || t.datatype().equals("BF16");
                if (asBinary) {
                    w.name("parameters").beginObject().name("binary_data_size").value(t.data().remaining()).endObject();
                    blobs.add(t);
                } else {
                    w.name("data");
                    writeData(w, t);
                }
                w.endObject();
            }
            w.endArray();
            if (!r.outputs().isEmpty()) {
                w.name("outputs").beginArray();
                for (InferRequest.RequestedOutput o : r.outputs()) {
                    w.beginObject().name("name").value(o.name());
                    w.name("parameters").beginObject().name("binary_data")
                            .value(o.binary() == null ? binary : o.binary()).endObject();
                    w.endObject();
                }
                w.endArray();
            }
            w.endObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (blobs.isEmpty()) {
            return new InferCodec.RestBody(json.toByteArray(), -1);
        }
        int jsonLength = json.size();
        for (InferTensor t : blobs) {
            ByteBuffer d = t.data();
            if (d.hasArray()) {
                json.write(d.array(), d.arrayOffset() + d.position(), d.remaining());
            } else {
                byte[] copy = new byte[d.remaining()];
                d.get(copy);
                json.writeBytes(copy);
            }
        }
        return new InferCodec.RestBody(json.toByteArray(), jsonLength);
    }

    /**
     * Decodes a reply body.
     *
     * @param jsonLength the {@code Inference-Header-Content-Length} value, or -1 when the reply had none
     */
    static InferResult decode(byte[] body, int jsonLength) {
        int headerEnd = jsonLength < 0 ? body.length : jsonLength;
        if (headerEnd > body.length) {
            throw new TensorlineException(TensorlineException.Status.INTERNAL, "reply header length " + jsonLength
                    + " exceeds the body's " + body.length + " bytes");
        }
        JsonObject o = JsonParser.parseString(new String(body, 0, headerEnd, StandardCharsets.UTF_8)).getAsJsonObject();
        int offset = headerEnd;
        List<InferTensor> outputs = new ArrayList<>();
        for (JsonElement e : array(o, "outputs")) {
            JsonObject out = e.getAsJsonObject();
            String name = out.get("name").getAsString();
            String datatype = out.get("datatype").getAsString();
            long[] shape = longs(array(out, "shape"));
            JsonObject params = out.has("parameters") ? out.getAsJsonObject("parameters") : new JsonObject();
            ByteBuffer data;
            if (params.has("binary_data_size")) {
                int size = params.get("binary_data_size").getAsInt();
                if (size < 0 || size > body.length - offset) {
                    throw new TensorlineException(TensorlineException.Status.INTERNAL, "output '" + name
                            + "' claims " + size + " binary bytes, " + (body.length - offset) + " left in the reply");
                }
                data = ByteBuffer.wrap(body, offset, size);
                offset += size;
            } else {
                data = fromJson(name, datatype, out.get("data"));
            }
            outputs.add(InferTensor.of(name, datatype, data, shape));
        }
        Map<String, Object> params = new LinkedHashMap<>();
        if (o.has("parameters")) {
            for (Map.Entry<String, JsonElement> p : o.getAsJsonObject("parameters").entrySet()) {
                params.put(p.getKey(), scalar(p.getValue()));
            }
        }
        return new InferResult(string(o, "model_name"), string(o, "model_version"), string(o, "id"), params, outputs);
    }

    private static void writeParameters(JsonWriter w, Map<String, Object> params) throws IOException {
        w.beginObject();
        for (Map.Entry<String, Object> p : params.entrySet()) {
            w.name(p.getKey());
            Object v = p.getValue();
            if (v instanceof Boolean b) {
                w.value(b);
            } else if (v instanceof Long l) {
                w.value(l);
            } else if (v instanceof Double d) {
                w.value(d);
            } else {
                w.value((String) v);
            }
        }
        w.endObject();
    }

    private static void writeData(JsonWriter w, InferTensor t) throws IOException {
        w.beginArray();
        switch (t.datatype()) {
            case "FP32" -> {
                for (float v : t.asFloats()) {
                    w.value(v);
                }
            }
            case "FP64" -> {
                for (double v : t.asDoubles()) {
                    w.value(v);
                }
            }
            case "BOOL" -> {
                for (boolean v : t.asBooleans()) {
                    w.value(v);
                }
            }
            case "BYTES" -> {
                for (String v : t.asStrings()) {
                    w.value(v);
                }
            }
            case "UINT64" -> {
                for (long v : t.asLongs()) {
                    w.jsonValue(Long.toUnsignedString(v));
                }
            }
            default -> {
                for (long v : t.asLongs()) {
                    w.value(v);
                }
            }
        }
        w.endArray();
    }

    /** JSON {@code data} (flat or nested, as servers may send either) in the raw layout. */
    private static ByteBuffer fromJson(String name, String datatype, JsonElement data) {
        if (data == null) {
            throw new TensorlineException(TensorlineException.Status.INTERNAL, "output '" + name
                    + "' has neither data nor binary_data_size");
        }
        List<JsonElement> flat = new ArrayList<>();
        flatten(data, flat);
        if (datatype.equals("BYTES")) {
            List<byte[]> raw = new ArrayList<>(flat.size());
            int total = 0;
            for (JsonElement e : flat) {
                byte[] b = e.getAsString().getBytes(StandardCharsets.UTF_8);
                raw.add(b);
                total += 4 + b.length;
            }
            ByteBuffer out = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
            raw.forEach(b -> out.putInt(b.length).put(b));
            return out.flip();
        }
        int size = InferTensor.elementSize(datatype);
        ByteBuffer out = ByteBuffer.allocate(flat.size() * size).order(ByteOrder.LITTLE_ENDIAN);
        for (JsonElement e : flat) {
            JsonPrimitive p = e.getAsJsonPrimitive();
            switch (datatype) {
                case "BOOL" -> out.put((byte) (p.getAsBoolean() ? 1 : 0));
                case "FP32" -> out.putFloat(p.getAsFloat());
                case "FP64" -> out.putDouble(p.getAsDouble());
                case "UINT64" -> out.putLong(Long.parseUnsignedLong(p.getAsString()));
                default -> {
                    long v = p.getAsLong();
                    switch (size) {
                        case 1 -> out.put((byte) v);
                        case 2 -> out.putShort((short) v);
                        case 4 -> out.putInt((int) v);
                        default -> out.putLong(v);
                    }
                }
            }
        }
        return out.flip();
    }

    private static void flatten(JsonElement e, List<JsonElement> into) {
        if (e.isJsonArray()) {
            for (JsonElement c : e.getAsJsonArray()) {
                flatten(c, into);
            }
        } else {
            into.add(e);
        }
    }

    private static Object scalar(JsonElement e) {
        if (!e.isJsonPrimitive()) {
            return e.toString();
        }
        JsonPrimitive p = e.getAsJsonPrimitive();
        if (p.isBoolean()) {
            return p.getAsBoolean();
        }
        if (p.isNumber()) {
            double d = p.getAsDouble();
            return d == Math.rint(d) && !p.getAsString().contains(".") ? (Object) p.getAsLong() : (Object) d;
        }
        return p.getAsString();
    }

    private static JsonArray array(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || !e.isJsonArray() ? new JsonArray() : e.getAsJsonArray();
    }

    private static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    private static String string(JsonObject o, String field) {
        JsonElement e = o.get(field);
        return e == null || e.isJsonNull() ? "" : e.getAsString();
    }
}
