package liftnet.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import liftnet.io.SafeTensors.Contents;
import liftnet.io.SafeTensors.DType;
import liftnet.io.SafeTensors.Tensor;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private static float[] randomFloats(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Reading {@code file} fails with a one-line message naming the file and containing every fragment. */
    private static ModelFileException assertRejected(Path file, String... fragments) {
        ModelFileException e = assertThrows(ModelFileException.class, () -> SafeTensors.read(file));
        String message = e.getMessage();
        assertTrue(message.startsWith(file.toString() + ": "), message);
        assertFalse(message.contains("\n"), "one line: " + message);
        for (String f : fragments) {
            assertTrue(message.contains(f), "message should contain '" + f + "': " + message);
        }
        return e;
    }

    @Test
    void roundTripKeepsValuesOrderAndMetadata() throws IOException {
        SplittableRandom rnd = new SplittableRandom(11);
        List<Tensor> tensors = List.of(
                Tensor.f32("z", new int[] {3, 4}, randomFloats(rnd, 12)),
                Tensor.f32("a", new int[] {5}, randomFloats(rnd, 5)),
                Tensor.f32("scalar", new int[] {}, new float[] {-0f}),
                Tensor.f32("empty", new int[] {0, 7}, new float[0]),
                Tensor.f32("special", new int[] {5}, new float[] {Float.NaN, Float.POSITIVE_INFINITY,
                        Float.MIN_VALUE, -Float.MAX_VALUE, 1e-40f}));
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put("note", "quotes \" and \\ and unicode \u00e9\u4e2d and newline\n");
        metadata.put("", "empty key");
        Path file = dir.resolve("t.safetensors");
        SafeTensors.write(file, tensors, metadata);

        Contents c = SafeTensors.read(file);
        assertEquals(metadata, c.metadata());
        assertEquals(List.of("z", "a", "scalar", "empty", "special"), List.copyOf(c.tensors().keySet()));
        for (Tensor t : tensors) {
            Tensor back = c.tensors().get(t.name());
            assertEquals(t, back);
            int[] expected = new int[t.elementCount()];
            int[] found = new int[back.elementCount()];
            float[] a = t.toFloats();
            float[] b = back.toFloats();
            for (int i = 0; i < a.length; i++) {
                expected[i] = Float.floatToRawIntBits(a[i]);
                found[i] = Float.floatToRawIntBits(b[i]);
            }
            assertArrayEquals(expected, found, t.name());
        }
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytesAndMetadataComesFirst() throws IOException {
        for (int nameLength = 1; nameLength <= 9; nameLength++) {
            Path file = dir.resolve("p" + nameLength + ".safetensors");
            SafeTensors.write(file, List.of(Tensor.f32("x".repeat(nameLength), new int[] {1}, new float[] {1f})),
                    Map.of("k", "v"));
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, n % 8, "header length " + n);
            assertEquals(8 + n + 4, bytes.length);
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertTrue(header.startsWith("{\"__metadata__\":{\"k\":\"v\"}"), header);
            String trimmed = header.stripTrailing();
            assertTrue(trimmed.endsWith("}"), header);
            assertTrue(header.substring(trimmed.length()).chars().allMatch(ch -> ch == ' '), header);
            assertTrue(header.length() - trimmed.length() < 8);
        }
    }

    @Test
    void sortedByNameOrdersTheDataSection() throws IOException {
        List<Tensor> tensors = List.of(Tensor.f32("b", new int[] {1}, new float[] {2f}),
                Tensor.f32("a", new int[] {2}, new float[] {0f, 1f}));
        Path file = dir.resolve("s.safetensors");
        SafeTensors.write(file, SafeTensors.sortedByName(tensors), null);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 12).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0f, data.getFloat(0));
        assertEquals(1f, data.getFloat(4));
        assertEquals(2f, data.getFloat(8));
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertFalse(header.contains("__metadata__"), header);
        assertTrue(header.indexOf("\"a\"") < header.indexOf("\"b\""), header);
    }

    @Test
    void readsF64ConvertingToFloat() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        data.putDouble(0.1).putDouble(-2.5).putDouble(1e300);
        Path file = TestFiles.raw(dir.resolve("f64.safetensors"),
                "{\"d\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,24]}}", data.array());
        Tensor t = SafeTensors.read(file).tensors().get("d");
        assertEquals(DType.F64, t.dtype());
        assertArrayEquals(new float[] {0.1f, -2.5f, Float.POSITIVE_INFINITY}, t.toFloats());
    }

    @Test
    void otherDtypesAreValidatedButDoNotConvert() throws IOException {
        Path file = TestFiles.raw(dir.resolve("i64.safetensors"),
                "{\"step\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", new byte[8]);
        Tensor t = SafeTensors.read(file).tensors().get("step");
        assertEquals(DType.I64, t.dtype());
        assertEquals(1, t.elementCount());
        assertThrows(IllegalStateException.class, t::toFloats);
    }

    @Test
    void writerRejectsDuplicateAndReservedNames() {
        Tensor a = Tensor.f32("a", new int[] {1}, new float[] {1f});
        Path file = dir.resolve("dup.safetensors");
        assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(file, List.of(a, a), null));
        assertThrows(IllegalArgumentException.class,
                () -> Tensor.f32(SafeTensors.METADATA_KEY, new int[] {1}, new float[] {1f}));
        assertThrows(IllegalArgumentException.class, () -> Tensor.f32("x", new int[] {2, 2}, new float[3]));
        assertFalse(Files.exists(file));
    }

    // ------------------------------------------------------------- corrupt files

    @Test
    void rejectsFileShorterThanTheLengthField() throws IOException {
        Path file = Files.write(dir.resolve("short.safetensors"), new byte[] {1, 2, 3});
        assertRejected(file, "3 bytes", "too short");
    }

    @Test
    void rejectsHeaderLengthBeyondTheFile() throws IOException {
        Path file = TestFiles.raw(dir.resolve("long.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", TestFiles.floats(1));
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, bytes.length);
        Files.write(file, bytes);
        assertRejected(file, "header length " + bytes.length, "exceeds");
        // the unsigned maximum is reported as unsigned, not negative
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        Files.write(file, bytes);
        assertRejected(file, "header length 18446744073709551615", "exceeds");
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        Path good = dir.resolve("good.safetensors");
        SafeTensors.write(good, List.of(Tensor.f32("w", new int[] {4, 4}, new float[16])), Map.of("a", "b"));
        byte[] bytes = Files.readAllBytes(good);
        Path cutData = Files.write(dir.resolve("cut-data.safetensors"), Arrays.copyOf(bytes, bytes.length - 5));
        assertRejected(cutData, "tensor w", "beyond the data section", "truncated");
        Path cutHeader = Files.write(dir.resolve("cut-header.safetensors"), Arrays.copyOf(bytes, 20));
        assertRejected(cutHeader, "header length", "exceeds", "truncated");
    }

    @Test
    void rejectsMalformedJson() throws IOException {
        byte[] data = TestFiles.floats(1);
        assertRejected(TestFiles.raw(dir.resolve("j1.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}", data), "not well-formed JSON");
        assertRejected(TestFiles.raw(dir.resolve("j2.safetensors"),
                "{'a':{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data), "not well-formed JSON");
        assertRejected(TestFiles.raw(dir.resolve("j3.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},}", data), "not well-formed JSON");
        assertRejected(TestFiles.raw(dir.resolve("j4.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}} {}", data), "after its JSON object");
        assertRejected(TestFiles.raw(dir.resolve("j5.safetensors"), new byte[] {'{', (byte) 0xff, '}'}, data),
                "not valid UTF-8");
        assertRejected(TestFiles.raw(dir.resolve("j6.safetensors"), "[1, 2]", data), "does not start with '{'");
        assertRejected(TestFiles.raw(dir.resolve("j7.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", data), "'a' twice");
    }

    @Test
    void rejectsBadEntries() throws IOException {
        byte[] data = TestFiles.floats(6);
        String[][] cases = {
            {"{\"a\":{\"dtype\":\"F31\",\"shape\":[6],\"data_offsets\":[0,24]}}", "unknown dtype 'F31'"},
            {"{\"a\":{\"shape\":[6],\"data_offsets\":[0,24]}}", "missing or non-string dtype"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[-6],\"data_offsets\":[0,24]}}", "non-negative integers"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[6.0],\"data_offsets\":[0,24]}}", "non-negative integers"},
            {"{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,24]}}", "missing shape"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0]}}", "[begin, end]"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[24,0]}}", "end before they begin"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,24]}}", "span 24 bytes", "needs 16"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,24]}}", "too large"},
            {"{\"a\":[1,2]}", "tensor a", "must be an object"},
            {"{\"__metadata__\":{\"k\":1},\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                "metadata 'k' must be a string"},
            {"{\"__metadata__\":[],\"a\":{\"dtype\":\"F32\",\"shape\":[6],\"data_offsets\":[0,24]}}",
                "must be an object of strings"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path file = TestFiles.raw(dir.resolve("e" + i + ".safetensors"), cases[i][0], data);
            assertRejected(file, Arrays.copyOfRange(cases[i], 1, cases[i].length));
        }
    }

    @Test
    void rejectsOverlapsGapsAndTrailingBytes() throws IOException {
        byte[] data = TestFiles.floats(4);
        assertRejected(TestFiles.raw(dir.resolve("overlap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data),
                "a [0, 12]", "b [8, 16]", "overlap");
        assertRejected(TestFiles.raw(dir.resolve("gap.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", data),
                "gap of 4 bytes", "tensor b");
        assertRejected(TestFiles.raw(dir.resolve("trailing.safetensors"),
                "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", data),
                "4 bytes after the last tensor");
    }

    @Test
    void rejectsFilesOfOtherFormats() throws IOException {
        Path png = dir.resolve("image.png");
        ImageIO.write(new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB), "png", png.toFile());
        assertRejected(png, "header length", "not a safetensors file");
        Path text = Files.writeString(dir.resolve("notes.txt"), "This is a text file, not a model.\n");
        assertRejected(text, "header length", "not a safetensors file");
        // a text file whose first 8 bytes happen to give a small length is still rejected
        Path small = TestFiles.raw(dir.resolve("small.txt"), "hello, world", new byte[0]);
        assertRejected(small, "does not start with '{'", "not a safetensors file");
    }
}
