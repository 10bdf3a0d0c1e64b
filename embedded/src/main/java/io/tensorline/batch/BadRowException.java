package io.tensorline.batch;

/** A row that cannot become model inputs (missing column, wrong type, wrong element count). */
final class BadRowException extends Exception {

    private static final long serialVersionUID = 1L;

    BadRowException(String message) {
        super(message);
    }
}
