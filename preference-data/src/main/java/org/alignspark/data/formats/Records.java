package org.alignspark.data.formats;

import java.util.List;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.BinaryFeedback;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.avro.Turn;

/** Builds the dataset records with their ids and split, applying the rules that hold for every format. */
public final class Records {
    private Records() {}

    public static PreferencePair pair(List<Turn> prompt, String chosen, String rejected, Double margin,
                               Integer preferenceStrength, Double scoreChosen, Double scoreRejected,
                               ReaderOptions options) {
        checkTurns(prompt, options);
        Fields.checkedText("chosen", chosen, options.maxChars());
        Fields.checkedText("rejected", rejected, options.maxChars());
        if (chosen.equals(rejected)) {
            throw new InvalidRowException("chosen and rejected are the same text");
        }
        String promptId = PromptIds.promptId(prompt);
        return PreferencePair.newBuilder()
                .setPairId(PromptIds.contentId(promptId, chosen, rejected, margin, preferenceStrength, scoreChosen, scoreRejected))
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setChosen(chosen)
                .setRejected(rejected)
                .setMargin(margin)
                .setPreferenceStrength(preferenceStrength)
                .setScoreChosen(scoreChosen)
                .setScoreRejected(scoreRejected)
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build();
    }

    static BinaryFeedback feedback(List<Turn> prompt, String completion, boolean label, ReaderOptions options) {
        checkTurns(prompt, options);
        Fields.checkedText("completion", completion, options.maxChars());
        String promptId = PromptIds.promptId(prompt);
        return BinaryFeedback.newBuilder()
                .setExampleId(PromptIds.contentId(promptId, completion, label))
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setCompletion(completion)
                .setLabel(label)
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build();
    }

    public static org.alignspark.data.avro.Dialogue dialogue(List<Turn> prompt, String completion, ReaderOptions options) {
        checkTurns(prompt, options);
        Fields.checkedText("completion", completion, options.maxChars());
        String promptId = PromptIds.promptId(prompt);
        return org.alignspark.data.avro.Dialogue.newBuilder()
                .setDialogueId(PromptIds.contentId(promptId, completion))
                .setPromptId(promptId)
                .setPrompt(new java.util.ArrayList<>(prompt))
                .setCompletion(completion)
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build();
    }

    /** Every prompt turn obeys the text rules, and the prompt ends where a response can follow. */
    static List<Turn> checkTurns(List<Turn> prompt, ReaderOptions options) {
        for (int i = 0; i < prompt.size(); i++) {
            Fields.checkedText("prompt[" + i + "]", prompt.get(i).getContent(), options.maxChars());
        }
        return Conversations.checkPrompt(prompt);
    }
}
