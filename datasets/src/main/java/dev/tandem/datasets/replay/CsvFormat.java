package dev.tandem.datasets.replay;

import java.util.Locale;

/** The public log formats {@code tandem replay} reads. */
public enum CsvFormat {
    TAOBAO {
        @Override
        public RowParser newParser(String sourceName) {
            return new TaobaoParser(sourceName);
        }
    },
    REES46 {
        @Override
        public RowParser newParser(String sourceName) {
            return new Rees46Parser(sourceName);
        }
    };

    /** A parser for one file; {@code sourceName} (the file name) goes into every event id. */
    public abstract RowParser newParser(String sourceName);

    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
