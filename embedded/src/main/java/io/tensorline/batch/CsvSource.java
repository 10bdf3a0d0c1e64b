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
        cells.clear();
        split(text, cells);
        if (cells.size() != headerColumns) {
            throw new BadRowException(cells.size() + " cells (expected: " + headerColumns + ", as in the header)");
        }
        into.beginRow();
        try {
            for (int s = 0; s < columnIndex.length; s++) {
                int[] idx = columnIndex[s];
                boolean listCell = idx.length == 1 && inputs.slots().get(s).elementsPerRow() > 1;
                for (int c : idx) {
                    String cell = cells.get(c).trim();
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
