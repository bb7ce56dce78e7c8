package liftnet.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;

import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Reads and writes the <a href="https://github.com/huggingface/safetensors">safetensors</a> format:
 *
 * <pre>
 * bytes 0..7       N, unsigned 64-bit little-endian: the header length
 * bytes 8..8+N-1   UTF-8 JSON object: name -> {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]},
 *                  plus an optional "__metadata__": {string: string}
 * bytes 8+N..      the data section; a tensor's bytes are [8+N+begin, 8+N+end), little-endian, row-major
 * </pre>
 *
 * Reading validates everything, as the reference implementation does: the header length against the file size,
 * well-formed strict JSON with no duplicate names, known dtypes, non-negative integer shapes and offsets,
 * {@code end - begin = product(shape) * dtype size}, offsets inside the data section, and a data section that
 * the tensors cover exactly (no overlaps, gaps or trailing bytes). Any violation throws
 * {@link ModelFileException} with a one-line message naming the file and the problem.
 *
 * <p>Writing pads the header with spaces to a multiple of 8 bytes (so the data section is 8-byte aligned, as the
 * reference writer does), puts {@code __metadata__} first and lays the tensors out in the order given.
 */
public final class SafeTensors {

    /** The reference implementation's limit on the header length. */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    /** The header key that holds the string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    private static final Pattern UNSIGNED = Pattern.compile("0|[1-9][0-9]*");

    private SafeTensors() {
    }

    /** Element types of the safetensors format, with their size in bytes. */
    public enum DType {
        BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
        I32(4), U32(4), F32(4), I64(8), U64(8), F64(8);

        private final int size;

        DType(int size) {
            this.size = size;
        }

        /** Bytes per element. */
        public int size() {
            return size;
        }

        /** The dtype named {@code text} exactly as in a header ("F32"), or null. */
        static DType byName(String text) {
            for (DType d : values()) {
                if (d.name().equals(text)) {
                    return d;
                }
            }
            return null;
        }
    }

    /**
     * One tensor: name, element type, shape and its raw little-endian bytes. Immutable: arrays are copied in
     * and out.
     */
    public static final class Tensor {
        private final String name;
        private final DType dtype;
        private final int[] shape;
        private final byte[] data;

        private Tensor(String name, DType dtype, int[] shape, byte[] data, boolean copy) {
            this.name = Objects.requireNonNull(name, "name");
            this.dtype = Objects.requireNonNull(dtype, "dtype");
            this.shape = shape.clone();
            this.data = copy ? data.clone() : data;
            if (METADATA_KEY.equals(name)) {
                throw new IllegalArgumentException("'" + METADATA_KEY + "' is reserved and cannot name a tensor");
            }
            long count = 1;
            for (int d : this.shape) {
                if (d < 0) {
                    throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(this.shape)
                            + " has a negative dimension");
                }
                count *= d;
            }
            if (count * dtype.size() != data.length) {
                throw new IllegalArgumentException("tensor " + name + ": shape " + Arrays.toString(this.shape) + " of "
                        + dtype + " needs " + count * dtype.size() + " bytes; found " + data.length);
            }
        }

        /**
         * A tensor from raw little-endian bytes.
         *
         * @throws IllegalArgumentException if {@code data.length != product(shape) * dtype.size()}
         */
        public static Tensor of(String name, DType dtype, int[] shape, byte[] data) {
            return new Tensor(name, dtype, shape, data, true);
        }

        /**
         * An F32 tensor holding {@code values} (row-major).
         *
         * @throws IllegalArgumentException if {@code values.length != product(shape)}
         */
        public static Tensor f32(String name, int[] shape, float[] values) {
            ByteBuffer buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(values);
            return new Tensor(name, DType.F32, shape, buf.array(), false);
        }

        public String name() {
            return name;
        }

        public DType dtype() {
            return dtype;
        }

        /** The shape, a copy; {@code []} is a scalar. */
        public int[] shape() {
            return shape.clone();
        }

        /** Whether the shape equals {@code expected}. */
        public boolean hasShape(int... expected) {
            return Arrays.equals(shape, expected);
        }

        /** Number of elements, {@code product(shape)}. */
        public int elementCount() {
            return data.length / dtype.size();
        }

        /** Size of the data in bytes. */
        public int byteCount() {
            return data.length;
        }

        /** The raw little-endian bytes, a copy. */
        public byte[] bytes() {
            return data.clone();
        }

        /**
         * The values as floats: F32 as stored, F64 rounded to the nearest float.
         *
         * @throws IllegalStateException for other dtypes
         */
        public float[] toFloats() {
            ByteBuffer buf = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[elementCount()];
            switch (dtype) {
                case F32 -> buf.asFloatBuffer().get(out);
                case F64 -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = (float) buf.getDouble(i * 8);
                    }
                }
                default -> throw new IllegalStateException("tensor " + name + " has dtype " + dtype
                        + "; only F32 and F64 convert to float");
            }
            return out;
        }

        void writeTo(OutputStream out) throws IOException {
            out.write(data);
        }

        /** {@code "W0 F32 [2, 3]"}. */
        @Override
        public String toString() {
            return name + " " + dtype + " " + Arrays.toString(shape);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Tensor t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                    && Arrays.equals(data, t.data);
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, dtype, Arrays.hashCode(shape), Arrays.hashCode(data));
        }
    }

    /**
     * What a file holds.
     *
     * @param metadata the {@code __metadata__} strings, empty if absent; unmodifiable, in header order
     * @param tensors  name to tensor; unmodifiable, in data-section order
     */
    public record Contents(Map<String, String> metadata, Map<String, Tensor> tensors) {
        public Contents {
            metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
            tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
        }
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code tensors}, in the order given, and {@code metadata} (may be null or empty: no
     * {@code __metadata__} entry) to {@code file}, atomically ({@link AtomicFiles}). For the sorted-name order
     * pass a sorted collection, see {@link #sortedByName}.
     *
     * @throws IllegalArgumentException on duplicate tensor names or null metadata keys or values
     */
    public static void write(Path file, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] header = header(tensors, metadata);
        AtomicFiles.write(file, out -> writeBody(out, header, tensors));
    }

    /** Writes the same bytes as {@link #write(Path, Collection, Map)} to a stream, which it leaves open. */
    public static void write(OutputStream out, Collection<Tensor> tensors, Map<String, String> metadata) throws IOException {
        writeBody(out, header(tensors, metadata), tensors);
    }

    /** The tensors sorted by name (the order the reference writer uses for tensors of one dtype). */
    public static List<Tensor> sortedByName(Collection<Tensor> tensors) {
        return tensors.stream().sorted(Comparator.comparing(Tensor::name)).toList();
    }

    private static void writeBody(OutputStream out, byte[] header, Collection<Tensor> tensors) throws IOException {
        byte[] length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array();
        out.write(length);
        out.write(header);
        for (Tensor t : tensors) {
            t.writeTo(out);
        }
    }

    /** The header JSON in UTF-8, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(Collection<Tensor> tensors, Map<String, String> metadata) {
        Set<String> names = new HashSet<>();
        StringWriter text = new StringWriter();
        try (JsonWriter json = new JsonWriter(text)) {
            json.beginObject();
            if (metadata != null && !metadata.isEmpty()) {
                json.name(METADATA_KEY).beginObject();
                for (Map.Entry<String, String> e : metadata.entrySet()) {
                    if (e.getKey() == null || e.getValue() == null) {
                        throw new IllegalArgumentException("metadata keys and values must not be null; found "
                                + e.getKey() + " = " + e.getValue());
                    }
                    json.name(e.getKey()).value(e.getValue());
                }
                json.endObject();
            }
            long offset = 0;
            for (Tensor t : tensors) {
                if (!names.add(t.name())) {
                    throw new IllegalArgumentException("tensor name " + t.name() + " occurs twice");
                }
                json.name(t.name()).beginObject();
                json.name("dtype").value(t.dtype().name());
                json.name("shape").beginArray();
                for (int d : t.shape) {
                    json.value(d);
                }
                json.endArray();
                json.name("data_offsets").beginArray().value(offset).value(offset + t.byteCount()).endArray();
                json.endObject();
                offset += t.byteCount();
            }
            json.endObject();
        } catch (IOException e) {
            throw new IllegalStateException("cannot happen: writing JSON to a string", e);
        }
        byte[] raw = text.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (raw.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(raw, padded);
        Arrays.fill(header, raw.length, padded, (byte) ' ');
        return header;
    }

    // ---------------------------------------------------------------- reading

    /** A tensor entry of the header, before its data is read. */
    private record Entry(String name, DType dtype, int[] shape, long begin, long end) {
        String offsets() {
            return "[" + begin + ", " + end + "]";
        }
    }

    /**
     * Reads and validates a safetensors file.
     *
     * @throws ModelFileException if the file is not a valid safetensors file; the message names the problem
     * @throws IOException        if the file cannot be read
     */
    public static Contents read(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (size < 8) {
                throw ModelFileException.of(file, "file has " + size
                        + " bytes, too short for a safetensors file (an 8-byte header length comes first)");
            }
            ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(channel, lengthBytes, 0, file);
            long headerLength = lengthBytes.getLong(0);
            if (headerLength < 0 || headerLength > size - 8) {
                throw ModelFileException.of(file, "header length " + Long.toUnsignedString(headerLength)
                        + " (first 8 bytes, little-endian) exceeds the " + (size - 8)
                        + " bytes after it: truncated, or not a safetensors file");
            }
            if (headerLength > MAX_HEADER_BYTES) {
                throw ModelFileException.of(file, "header length " + headerLength + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes");
            }
            if (headerLength < 2) {
                throw ModelFileException.of(file, "header length " + headerLength
                        + " is too small for a JSON object: not a safetensors file");
            }
            ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
            readFully(channel, headerBytes, 8, file);
            headerBytes.flip();
            String header = decodeUtf8(headerBytes, file);
            if (header.charAt(0) != '{') {
                throw ModelFileException.of(file, "header does not start with '{': not a safetensors file");
            }
            long dataStart = 8 + headerLength;
            long dataLength = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(header, file, metadata);
            checkLayout(entries, dataLength, file);
            Map<String, Tensor> tensors = new LinkedHashMap<>();
            for (Entry e : entries) {
                byte[] data = new byte[(int) (e.end() - e.begin())];
                readFully(channel, ByteBuffer.wrap(data), dataStart + e.begin(), file);
                tensors.put(e.name(), new Tensor(e.name(), e.dtype(), e.shape(), data, false));
            }
            return new Contents(metadata, tensors);
        }
    }

    private static void readFully(FileChannel channel, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = channel.read(buf, pos);
            if (n < 0) {
                throw ModelFileException.of(file, "file ended at byte " + pos + " while reading", new EOFException());
            }
            pos += n;
        }
    }

    private static String decodeUtf8(ByteBuffer bytes, Path file) {
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(bytes);
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw ModelFileException.of(file, "header is not valid UTF-8: not a safetensors file", e);
        }
    }

    /** Parses the header into tensor entries (header order) and fills {@code metadata}. */
    private static List<Entry> parseHeader(String header, Path file, Map<String, String> metadata) {
        List<Entry> entries = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (JsonReader reader = new JsonReader(new StringReader(header))) {
            reader.setStrictness(Strictness.STRICT);
            reader.beginObject();
            while (reader.hasNext()) {
                String name = reader.nextName();
                if (!seen.add(name)) {
                    throw ModelFileException.of(file, "header names '" + name + "' twice");
                }
                JsonElement value = JsonParser.parseReader(reader);
                if (METADATA_KEY.equals(name)) {
                    parseMetadata(value, file, metadata);
                } else {
                    entries.add(parseEntry(name, value, file));
                }
            }
            reader.endObject();
            boolean trailing;
            try {
                trailing = reader.peek() != JsonToken.END_DOCUMENT;
            } catch (IOException e) {
                trailing = true;
            }
            if (trailing) {
                throw ModelFileException.of(file, "header has content after its JSON object");
            }
        } catch (IOException | JsonParseException | IllegalStateException e) {
            throw ModelFileException.of(file, "header is not well-formed JSON: " + gsonMessage(e), e);
        }
        return entries;
    }

    private static void parseMetadata(JsonElement value, Path file, Map<String, String> metadata) {
        if (!value.isJsonObject()) {
            throw ModelFileException.of(file, "'" + METADATA_KEY + "' must be an object of strings; found " + value);
        }
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            JsonElement v = e.getValue();
            if (!(v instanceof JsonPrimitive p && p.isString())) {
                throw ModelFileException.of(file, "metadata '" + e.getKey() + "' must be a string; found " + v);
            }
            metadata.put(e.getKey(), v.getAsString());
        }
    }

    private static Entry parseEntry(String name, JsonElement value, Path file) {
        if (!value.isJsonObject()) {
            throw ModelFileException.of(file, "tensor " + name + ": entry must be an object with dtype, shape and "
                    + "data_offsets; found " + value);
        }
        JsonObject o = value.getAsJsonObject();
        JsonElement dtypeJson = o.get("dtype");
        if (!(dtypeJson instanceof JsonPrimitive p && p.isString())) {
            throw ModelFileException.of(file, "tensor " + name + ": missing or non-string dtype");
        }
        DType dtype = DType.byName(dtypeJson.getAsString());
        if (dtype == null) {
            throw ModelFileException.of(file, "tensor " + name + ": unknown dtype '" + dtypeJson.getAsString()
                    + "'; expected one of " + Arrays.toString(DType.values()));
        }
        long[] shapeLong = unsignedArray(o.get("shape"), name, "shape", file);
        int[] shape = new int[shapeLong.length];
        long count = 1;
        boolean tooLarge = false;
        for (int i = 0; i < shape.length; i++) {
            tooLarge |= shapeLong[i] > Integer.MAX_VALUE;
            shape[i] = (int) shapeLong[i];
            try {
                count = Math.multiplyExact(count, shapeLong[i]);
            } catch (ArithmeticException overflow) {
                tooLarge = true;
            }
        }
        if (tooLarge || count > (Integer.MAX_VALUE - 8) / dtype.size()) {
            throw ModelFileException.of(file, "tensor " + name + ": shape " + Arrays.toString(shapeLong)
                    + " is too large for this reader (at most 2^31 bytes per tensor)");
        }
        long[] offsets = unsignedArray(o.get("data_offsets"), name, "data_offsets", file);
        if (offsets.length != 2) {
            throw ModelFileException.of(file, "tensor " + name + ": data_offsets must be [begin, end]; found "
                    + Arrays.toString(offsets));
        }
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw ModelFileException.of(file, "tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] end before they begin");
        }
        long expected = count * dtype.size();
        if (end - begin != expected) {
            throw ModelFileException.of(file, "tensor " + name + ": data_offsets [" + begin + ", " + end + "] span "
                    + (end - begin) + " bytes; shape " + Arrays.toString(shape) + " of " + dtype + " needs " + expected);
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** A JSON array of non-negative integers that fit a long. */
    private static long[] unsignedArray(JsonElement json, String tensor, String field, Path file) {
        if (!(json instanceof JsonArray array)) {
            throw ModelFileException.of(file, "tensor " + tensor + ": missing " + field + " array; found " + json);
        }
        long[] out = new long[array.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement e = array.get(i);
            String text = e instanceof JsonPrimitive p && p.isNumber() ? p.getAsString() : null;
            if (text == null || !UNSIGNED.matcher(text).matches() || text.length() > 18) {
                throw ModelFileException.of(file, "tensor " + tensor + ": " + field + " " + array
                        + " must hold non-negative integers");
            }
            out[i] = Long.parseLong(text);
        }
        return out;
    }

    /** Offsets inside the data section, which the tensors cover exactly once. */
    private static void checkLayout(List<Entry> entries, long dataLength, Path file) {
        for (Entry e : entries) {
            if (e.end() > dataLength) {
                throw ModelFileException.of(file, "tensor " + e.name() + ": data_offsets " + e.offsets()
                        + " reach beyond the data section of " + dataLength + " bytes: truncated file?");
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        Entry previous = null;
        for (Entry e : sorted) {
            if (e.begin() < covered) {
                throw ModelFileException.of(file, "tensors " + previous.name() + " " + previous.offsets() + " and "
                        + e.name() + " " + e.offsets() + " overlap");
            }
            if (e.begin() > covered) {
                throw ModelFileException.of(file, "data section has a gap of " + (e.begin() - covered)
                        + " bytes before tensor " + e.name() + " " + e.offsets() + "; tensors must cover it exactly");
            }
            covered = e.end();
            previous = e;
        }
        if (covered != dataLength) {
            throw ModelFileException.of(file, "data section has " + (dataLength - covered)
                    + " bytes after the last tensor; tensors must cover it exactly");
        }
        entries.clear();
        entries.addAll(sorted);
    }

    /** Gson's message, first line only, without its advice to parse leniently. */
    private static String gsonMessage(Exception e) {
        Throwable t = e.getCause() != null && e instanceof JsonParseException ? e.getCause() : e;
        String message = t.getMessage();
        if (message == null || message.isBlank()) {
            return t instanceof EOFException ? "unexpected end of header" : t.getClass().getSimpleName();
        }
        int nl = message.indexOf('\n');
        message = nl < 0 ? message : message.substring(0, nl);
        return message.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .trim();
    }

    /** {@code "W0 [2, 3], b0 [2]"}, for messages. */
    static String describe(Collection<Tensor> tensors) {
        return tensors.stream().map(t -> t.name() + " " + Arrays.toString(t.shape)).collect(Collectors.joining(", "));
    }
}
