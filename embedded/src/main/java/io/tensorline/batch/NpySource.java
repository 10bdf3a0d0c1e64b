package io.tensorline.batch;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} (format 1.0-3.0, C order, little-endian): one array whose first dimension counts the rows,
 * feeding a model with one input. float64 data feeds an FP32 input (converted); otherwise the dtype must be the
 * input's.
 */
final class NpySource implements RowSource {

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private final InputStream in;
    private final long rows;
    private final int rowBytes;
    private final boolean f8ToF4;
    private final int elements;
    private final byte[] row;
    private long next;

    NpySource(Path file, ModelInputs inputs) throws IOException {
        if (inputs.slots().size() != 1) {
            throw new IllegalArgumentException("--input " + file + ": a .npy file feeds a model with one input (model '"
                    + inputs.model() + "' has " + inputs.slots().size() + "; use JSON Lines or CSV)");
        }
        ModelInputs.Slot slot = inputs.slots().get(0);
        this.in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        DataInputStream data = new DataInputStream(in);
        byte[] magic = data.readNBytes(6);
        if (magic.length != 6 || (magic[0] & 0xff) != 0x93 || !new String(magic, 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IllegalArgumentException("--input " + file + " is not a .npy file (no \\x93NUMPY magic)");
        }
        int major = data.readUnsignedByte();
        data.readUnsignedByte();
        int headerLength;
        if (major == 1) {
            headerLength = Short.toUnsignedInt(Short.reverseBytes(data.readShort()));
        } else {
            headerLength = Integer.reverseBytes(data.readInt());
        }
        String header = new String(data.readNBytes(headerLength), major >= 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, file);
        if (group(FORTRAN, header, file).equals("True")) {
            throw new IllegalArgumentException("--input " + file + " is in Fortran order (expected: C order; save with "
                    + "numpy.ascontiguousarray)");
        }
        String[] dims = group(SHAPE, header, file).split(",");
        if (dims.length == 0 || dims[0].isBlank()) {
            throw new IllegalArgumentException("--input " + file + " holds a scalar (expected: rows in the first dimension)");
        }
        this.rows = Long.parseLong(dims[0].trim());
        long perRow = 1;
        for (int i = 1; i < dims.length; i++) {
            if (!dims[i].isBlank()) {
                perRow *= Long.parseLong(dims[i].trim());
            }
        }
        if (perRow != slot.elementsPerRow()) {
            throw new IllegalArgumentException("--input " + file + " has " + perRow + " elements per row (expected: "
                    + slot.elementsPerRow() + " for input '" + slot.name() + "')");
        }
        String datatype = datatype(descr);
        this.f8ToF4 = datatype.equals("FP64") && slot.datatype().equals("FP32");
        if (!f8ToF4 && !datatype.equals(slot.datatype())) {
            throw new IllegalArgumentException("--input " + file + " holds " + descr + " (" + datatype
                    + "), input '" + slot.name() + "' is " + slot.datatype() + " (expected: the same type)");
        }
        this.elements = (int) perRow;
        this.rowBytes = (int) perRow * (f8ToF4 ? 8 : slot.elementSize());
        this.row = new byte[rowBytes];
    }

    private static String group(Pattern p, String header, Path file) {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IllegalArgumentException("--input " + file + ": cannot read the .npy header " + header.trim());
        }
        return m.group(1);
    }

    private static String datatype(String descr) {
        String datatype = NpyOutput.DESCR_TO_DATATYPE.get(descr);
        if (datatype == null) {
            throw new IllegalArgumentException("unsupported .npy dtype '" + descr
                    + "' (expected: little-endian numbers or bool)");
        }
        return datatype;
    }

    long rows() {
        return rows;
    }

    @Override
    public boolean next(BatchBuffers into, long rowIndex) throws IOException, BadRowException {
        if (!readRow()) {
            return false;
        }
        into.beginRow();
        ByteBuffer raw = ByteBuffer.wrap(row).order(ByteOrder.LITTLE_ENDIAN);
        if (f8ToF4) {
            ByteBuffer f4 = ByteBuffer.allocate(elements * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < elements; i++) {
                f4.putFloat((float) raw.getDouble(i * 8));
            }
            raw = f4.flip();
        }
        into.putRaw(0, raw, elements);
        into.endRow(rowIndex, next - 1);
        return true;
    }

    /**
     * Reads up to {@code max} rows at once straight into the batch (no conversion needed: the file's dtype is the
     * input's), or returns -1 when this file needs the row-by-row path.
     *
     * @return the rows read, 0 at the end of the file
     */
    int nextRows(BatchBuffers into, long rowIndex, int max) throws IOException {
        if (f8ToF4) {
            return -1;
        }
        int n = (int) Math.min(max, rows - next);
        if (n <= 0) {
            return 0;
        }
        long first = next;
        if (!into.putRows(0, n, rowBytes, rowIndex, first, (a, off, len) -> in.readNBytes(a, off, len) == len)) {
            throw new IOException(".npy file ends inside rows " + first + ".." + (first + n - 1) + " (the header promises "
                    + rows + " rows)");
        }
        next += n;
        return n;
    }

    private boolean readRow() throws IOException {
        if (next >= rows) {
            return false;
        }
        int n = in.readNBytes(row, 0, rowBytes);
        if (n != rowBytes) {
            throw new IOException(".npy file ends inside row " + next + " (the header promises " + rows + " rows)");
        }
        next++;
        return true;
    }

    @Override
    public boolean skip() throws IOException {
        return readRow();
    }

    @Override
    public String where() {
        return "row " + (next - 1);
    }

    @Override
    public long position() {
        return next - 1;
    }

    @Override
    public double fraction() {
        return rows == 0 ? 1 : next / (double) rows;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
