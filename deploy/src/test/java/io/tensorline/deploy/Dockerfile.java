package io.tensorline.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** A Dockerfile read into its instructions (continuation lines joined, comments dropped), enough to check it. */
record Dockerfile(List<Instruction> instructions) {

    /** One instruction; {@code stage} is the index of the FROM it belongs to. */
    record Instruction(String keyword, String args, int stage) {

        /** The words of a shell-form argument list, with {@code --flag=value} options first. */
        List<String> words() {
            return Arrays.stream(args.trim().split("\\s+")).toList();
        }

        /** An exec-form JSON array ({@code ["a", "b"]}) as a list. */
        List<String> execForm() throws IOException {
            return Arrays.asList(new ObjectMapper().readValue(args.trim(), String[].class));
        }
    }

    static Dockerfile parse(String text) {
        List<Instruction> out = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        int stage = -1;
        for (String line : text.split("\n", -1)) {
            String trimmed = line.strip();
            if (current.isEmpty() && (trimmed.isEmpty() || trimmed.startsWith("#"))) {
                continue;
            }
            if (!current.isEmpty() && trimmed.startsWith("#")) {
                continue;
            }
            if (trimmed.endsWith("\\")) {
                current.append(trimmed, 0, trimmed.length() - 1).append(' ');
                continue;
            }
            current.append(trimmed);
            String whole = current.toString().strip();
            current.setLength(0);
            int space = whole.indexOf(' ');
            String keyword = (space < 0 ? whole : whole.substring(0, space)).toUpperCase(Locale.ROOT);
            String args = space < 0 ? "" : whole.substring(space + 1).strip();
            if (keyword.equals("FROM")) {
                stage++;
            }
            out.add(new Instruction(keyword, args, stage));
        }
        return new Dockerfile(List.copyOf(out));
    }

    List<Instruction> all(String keyword) {
        return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
    }

    Instruction last(String keyword) {
        List<Instruction> found = all(keyword);
        if (found.isEmpty()) {
            throw new AssertionError("no " + keyword + " instruction");
        }
        return found.get(found.size() - 1);
    }

    int lastStage() {
        return all("FROM").size() - 1;
    }
}
