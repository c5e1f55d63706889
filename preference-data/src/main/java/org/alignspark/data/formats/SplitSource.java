package org.alignspark.data.formats;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * Where an ingested row's train/test split comes from. {@link #COLUMN}: the dataset's own {@code split} field where the
 * row has one (HelpSteer2's files carry "train" and "val"), the prompt-id hash where it has none; {@link #HASH}: always
 * the prompt-id hash ({@link org.alignspark.data.PromptIds#split}), which keeps every prompt on one side.
 */
public enum SplitSource {
    COLUMN("column"),
    HASH("hash");

    /** A dataset's split names, as the warehouse's two splits. */
    private static final Map<String, String> NAMES = Map.of("train", "train", "test", "test", "val", "test",
            "validation", "test", "valid", "test", "dev", "test");

    private final String cliName;

    SplitSource(String cliName) {
        this.cliName = cliName;
    }

    public String cliName() {
        return cliName;
    }

    public static SplitSource fromCliName(String name) {
        return Arrays.stream(values()).filter(s -> s.cliName.equals(name.toLowerCase(Locale.ROOT))).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown split source '" + name + "'; expected column or hash"));
    }

    /** The warehouse split of a dataset's own split value: train, or test for test, val, validation, valid and dev. */
    static String warehouseSplit(String datasetSplit) {
        String split = NAMES.get(datasetSplit.trim().toLowerCase(Locale.ROOT));
        if (split == null) {
            throw new InvalidRowException("split '" + datasetSplit + "' is not one of train, test, val, validation, valid, dev");
        }
        return split;
    }
}
