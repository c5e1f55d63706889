package org.alignspark.cli;

import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.Verifier;
import picocli.CommandLine.Option;

/**
 * How a two-attempt self-correction rollout is run and judged, for self-correct-eval and train-score alike: the user
 * turn before attempt 2 ({@code --instruction}) and the answer check ({@code --verifier}).
 */
public final class SelfCorrectionOptions {
    @Option(names = "--instruction", defaultValue = "score",
            description = "User turn before attempt 2; 'score': SCoRe's; 'reask' repeats the question (Confidence v.s. Critique); or a text.")
    private String instruction;

    @Option(names = "--verifier", defaultValue = "exact", description = "exact, numeric[:tolerance] or regex:<pattern> (group 1 is the answer).")
    private String verifier;

    public CorrectionInstruction instruction() {
        return CorrectionInstruction.parse(instruction);
    }

    public Verifier verifier() {
        return Verifier.parse(verifier);
    }

    /** The options as given, for the tables that record a run's settings. */
    public String instructionText() {
        return instruction;
    }

    public String verifierText() {
        return verifier;
    }
}
