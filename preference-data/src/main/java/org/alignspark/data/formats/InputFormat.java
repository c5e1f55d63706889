package org.alignspark.data.formats;

import java.util.Arrays;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;

/** The input formats {@code ingest} understands, by their command-line names. */
public enum InputFormat {
    TRL("trl", DatasetKind.PREFERENCE_PAIR, TrlReader::readPair),
    HH_RLHF("hh-rlhf", DatasetKind.PREFERENCE_PAIR, HhRlhfReader::read),
    ULTRAFEEDBACK_BINARIZED("ultrafeedback-binarized", DatasetKind.PREFERENCE_PAIR, UltraFeedbackBinarizedReader::read),
    HELPSTEER2_PREFERENCE("helpsteer2-preference", DatasetKind.PREFERENCE_PAIR, HelpSteer2PreferenceReader::read),
    HELPSTEER2_RATINGS("helpsteer2-ratings", DatasetKind.RATED_RESPONSE, HelpSteer2RatingsReader::read),
    SELF_CORRECTION("self-correction", DatasetKind.SELF_CORRECTION_TRACE, SelfCorrectionReader::read),
    CANDIDATES("candidates", DatasetKind.RANKED_RESPONSES, CandidatesReader::read),
    DIALOGUES("dialogues", DatasetKind.DIALOGUE, DialogueReader::read);

    private final String cliName;
    private final DatasetKind kind;
    private final RowReader rows;

    InputFormat(String cliName, DatasetKind kind, RowReader rows) {
        this.cliName = cliName;
        this.kind = kind;
        this.rows = rows;
    }

    public String cliName() {
        return cliName;
    }

    public static InputFormat fromCliName(String name) {
        return Arrays.stream(values())
                .filter(f -> f.cliName.equals(name.toLowerCase(Locale.ROOT)))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown format '" + name + "'; expected one of "
                        + Arrays.stream(values()).map(InputFormat::cliName).toList()));
    }

    /**
     * The reader for this format. TRL files hold either pairs or unpaired feedback: {@code firstRow} (the first
     * object of the input, may be null) decides which, and rows of the other kind are quarantined.
     */
    public FormatReader reader(ReaderOptions options, JsonNode firstRow) {
        if (this == TRL && firstRow != null && TrlReader.isUnpaired(firstRow)) {
            return new FormatReader(DatasetKind.BINARY_FEEDBACK, TrlReader::readFeedback, options);
        }
        return new FormatReader(kind, rows, options);
    }

    @Override
    public String toString() {
        return cliName;
    }
}
