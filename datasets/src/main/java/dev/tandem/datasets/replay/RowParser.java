package dev.tandem.datasets.replay;

import dev.tandem.schemas.UserEvent;

/** Turns one line of a source file into a {@link UserEvent}. One instance per file, not thread-safe. */
public interface RowParser {
    /** Whether the file's first line is a header, to be passed to {@link #header} instead of {@link #parse}. */
    boolean hasHeader();

    /** Checks (and learns the column order from) the header; a wrong header makes the whole file unusable. */
    void header(byte[] line, int from, int to) throws InvalidInputException;

    /**
     * @param lineNumber 1-based line number in the file; the event id is derived from it
     * @throws MalformedLineException with a short reason, if the line cannot become an event
     */
    UserEvent parse(byte[] line, int from, int to, long lineNumber) throws MalformedLineException;
}
