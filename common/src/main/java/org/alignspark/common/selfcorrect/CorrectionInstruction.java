package org.alignspark.common.selfcorrect;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.tokenizer.Message;

/**
 * The user turn between a first and a second attempt. The default is SCoRe's self-correction instruction (Kumar et
 * al. arXiv 2409.12917 App. C, docs/spec-data-side.md §4c) without its MATH-specific answer-format sentence: it does not say
 * whether the first attempt was right. {@link #REASK} is Confidence v.s. Critique's protocol (§3b): the question is
 * asked again.
 *
 * @param text the instruction; ignored when {@code reask}
 * @param reask repeat the last user turn of the prompt instead
 */
public record CorrectionInstruction(String text, boolean reask) implements Serializable {
    public static final String SCORE_TEXT = "There might be an error in the solution above because of lack of "
            + "understanding of the question. Please correct the error, if any, and rewrite the solution.";
    public static final CorrectionInstruction SCORE = new CorrectionInstruction(SCORE_TEXT, false);
    public static final CorrectionInstruction REASK = new CorrectionInstruction(null, true);

    public CorrectionInstruction {
        if (!reask && (text == null || text.isBlank())) {
            throw new IllegalArgumentException("a correction instruction needs text (or reask)");
        }
    }

    /** {@code score} for SCoRe's instruction, {@code reask} for the Reask protocol, anything else is the instruction's text. */
    public static CorrectionInstruction parse(String option) {
        return switch (option) {
            case "score" -> SCORE;
            case "reask" -> REASK;
            default -> new CorrectionInstruction(option, false);
        };
    }

    /** The user turn that follows {@code prompt} and the first attempt. */
    public String userTurn(List<Message> prompt) {
        if (!reask) {
            return text;
        }
        for (int i = prompt.size() - 1; i >= 0; i--) {
            if (prompt.get(i).role().equals("user")) {
                return prompt.get(i).content();
            }
        }
        throw new IllegalArgumentException("reask needs a prompt with a user turn");
    }

    /** The second attempt's context x₂ = x₁, y₁, instruction (docs/spec-data-side.md §4a). */
    public List<Message> secondTurnPrompt(List<Message> prompt, String firstAttempt) {
        List<Message> turns = new ArrayList<>(prompt);
        turns.add(new Message("assistant", firstAttempt));
        turns.add(new Message("user", userTurn(prompt)));
        return turns;
    }
}
