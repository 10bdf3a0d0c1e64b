package io.tensorline.batch;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * CSV with a header line (RFC 4180 quoting). An input reads one column per element ({@code --map INPUT0=a,b,c,d},
 * or columns {@code INPUT0_0 .. INPUT0_3} found by themselves), or one column whose cell lists the elements
 * separated by spaces or semicolons (brackets allowed: {@code "[1 2 3 4]"}).
 */
final class CsvSource extends LineSource {

    private final ModelInputs inputs;
    private final int[][] columnIndex; // per input, the header index of each of its columns
    private final int headerColumns;
    private final List<String> cells = new ArrayList<>();

    CsvSource(Path file, ModelInputs inputs) throws IOException {
        super(new CountingReader(file));
        this.inputs = inputs;
        String header = in.nextLine();
        if (header == null) {
            throw new IllegalArgumentException("--input " + file + " is empty (expected: a header line, then rows)");
        }
        List<String> names = new ArrayList<>();
        split(header, names);
        headerColumns = names.size();
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            byName.put(names.get(i).trim(), i);
        }
        columnIndex = new int[inputs.slots().size()][];
        for (int s = 0; s < inputs.slots().size(); s++) {
            ModelInputs.Slot slot = inputs.slots().get(s);
            List<String> columns = slot.columns();
            if (columns.size() == 1 && !byName.containsKey(columns.get(0)) && slot.elementsPerRow() > 1
                    && byName.containsKey(columns.get(0) + "_0")) {
                List<String> numbered = new ArrayList<>();
                for (int e = 0; e < slot.elementsPerRow(); e++) {
                    numbered.add(columns.get(0) + "_" + e);
                }
                columns = numbered;
            }
            columnIndex[s] = new int[columns.size()];
            for (int c = 0; c < columns.size(); c++) {
                Integer idx = byName.get(columns.get(c));
                if (idx == null) {
                    throw new IllegalArgumentException("--input " + file + " has no column '" + columns.get(c)
                            + "' for input '" + slot.name() + "' (columns: " + names + "; map others with --map "
                            + slot.name() + "=COLUMN[,COLUMN...])");
                }
                columnIndex[s][c] = idx;
            }
        }
    }

    @Override
    public boolean next(BatchBuffers into, long rowIndex) throws IOException, BadRowException {
        String text = in.nextLine();
        if (text == null) {
            return false;
        }
        int n = text.length();
        if (chars.length < n) {
            chars = new char[Math.max(n, 2 * chars.length)];
        }
        text.getChars(0, n, chars, 0);
        int count = bounds(chars, n);
        if (count != headerColumns) {
            throw new BadRowException(count + " cells (expected: " + headerColumns + ", as in the header)");
        }
        into.beginRow();
        try {
            for (int s = 0; s < columnIndex.length; s++) {
                int[] idx = columnIndex[s];
                boolean listCell = idx.length == 1 && inputs.slots().get(s).elementsPerRow() > 1;
                boolean fp32 = "FP32".equals(inputs.slots().get(s).datatype());
                for (int c : idx) {
                    if (!listCell && fp32 && !quoted[c]) {
                        long bits = DecimalFloat.parse(chars, starts[c], ends[c]);
                        if (bits != DecimalFloat.NOT_FAST) {
                            into.putFloat(s, Float.intBitsToFloat((int) bits));
                            continue;
                        }
                    }
                    String cell = cell(text, c).trim();
                    if (listCell) {
                        putList(into, s, cell);
                    } else if (cell.isEmpty()) {
                        throw new BadRowException("empty cell for input '" + inputs.slots().get(s).name() + "'");
                    } else {
                        into.put(s, cell);
                    }
                }
            }
            into.endRow(rowIndex, in.line());
        } catch (BadRowException e) {
            into.rollbackRow();
            throw e;
        }
        return true;
    }

    // the current line's characters (array reads, which C1 compiles much tighter than String.charAt)
    private char[] chars = new char[256];
    // where each cell of the current line starts and ends (commas outside quotes), and whether it has quotes
    private int[] starts = new int[8];
    private int[] ends = new int[8];
    private boolean[] quoted = new boolean[8];

    /** Finds the cells of {@code line[0, n)} (as {@link #split} cuts them) and returns how many there are. */
    private int bounds(char[] line, int n) {
        int count = 0;
        int start = 0;
        boolean inQuotes = false;
        boolean hasQuote = false;
        for (int i = 0; i <= n; i++) {
            char ch = i < n ? line[i] : ',';
            if (ch == '"') {
                inQuotes = !inQuotes; // a doubled quote toggles twice
                hasQuote = true;
            } else if (ch == ',' && (!inQuotes || i == n)) {
                if (count == starts.length) {
                    starts = java.util.Arrays.copyOf(starts, count * 2);
                    ends = java.util.Arrays.copyOf(ends, count * 2);
                    quoted = java.util.Arrays.copyOf(quoted, count * 2);
                }
                starts[count] = start;
                ends[count] = i;
                quoted[count] = hasQuote;
                count++;
                start = i + 1;
                hasQuote = false;
            }
        }
        return count;
    }

    /** The text of cell {@code c} of the current line, quotes resolved. */
    private String cell(String line, int c) {
        if (!quoted[c]) {
            return line.substring(starts[c], ends[c]);
        }
        cells.clear();
        split(line.substring(starts[c], ends[c]), cells);
        return cells.get(0);
    }

    private static void putList(BatchBuffers into, int slot, String cell) throws BadRowException {
        String body = cell.startsWith("[") && cell.endsWith("]") ? cell.substring(1, cell.length() - 1) : cell;
        for (String token : body.trim().split("[\\s;,]+")) {
            if (!token.isEmpty()) {
                into.put(slot, token);
            }
        }
    }

    /** Splits one CSV line into cells (quotes and doubled quotes as RFC 4180; no line breaks inside cells). */
    static void split(String line, List<String> out) {
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        cell.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    cell.append(ch);
                }
            } else if (ch == '"') {
                quoted = true;
            } else if (ch == ',') {
                out.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(ch);
            }
        }
        out.add(cell.toString());
    }
}
