package org.alignspark.data.formats;

import java.util.Arrays;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;

/** The input formats {@code ingest} understands, by their command-line names. */
public enum InputFormat {
    TRL("trl"),
    HH_RLHF("hh-rlhf"),
    ULTRAFEEDBACK_BINARIZED("ultrafeedback-binarized"),
    HELPSTEER2_PREFERENCE("helpsteer2-preference"),
    HELPSTEER2_RATINGS("helpsteer2-ratings"),
    SELF_CORRECTION("self-correction"),
    CANDIDATES("candidates"),
    DIALOGUES("dialogues");

    private final String cliName;

    InputFormat(String cliName) {
        this.cliName = cliName;
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
        return switch (this) {
            case TRL -> new TrlReader(firstRow == null ? DatasetKind.PREFERENCE_PAIR : TrlReader.detectKind(firstRow), options);
            case HH_RLHF -> new HhRlhfReader(options);
            case ULTRAFEEDBACK_BINARIZED -> new UltraFeedbackBinarizedReader(options);
            case HELPSTEER2_PREFERENCE -> new HelpSteer2PreferenceReader(options);
            case HELPSTEER2_RATINGS -> new HelpSteer2RatingsReader(options);
            case SELF_CORRECTION -> new SelfCorrectionReader(options);
            case CANDIDATES -> new CandidatesReader(options);
            case DIALOGUES -> new DialogueReader(options);
        };
    }

    @Override
    public String toString() {
        return cliName;
    }
}
