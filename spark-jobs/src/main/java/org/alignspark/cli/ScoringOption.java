package org.alignspark.cli;

import org.alignspark.common.lm.PrefixScoring;
import picocli.CommandLine.Option;

/**
 * {@code --scoring}: how a job that scores several continuations of one prompt runs them ({@link PrefixScoring}):
 * {@code prefix-cache}, the prompt computed once and its keys and values shared by every continuation, or
 * {@code batched}, each continuation behind its own copy of the prompt in a padded batch (the same scores; kept for
 * comparison). Inference only.
 */
public final class ScoringOption {
    @Option(names = "--scoring", description = "prefix-cache: each prompt (conversation) computed once, its keys and values "
            + "shared by all the continuations scored after it; batched: every continuation behind a full copy of its prompt "
            + "in a padded batch (the same scores to 1e-5; for comparison).")
    private String scoring;

    /** @param jobDefault the job's default */
    public ScoringOption(PrefixScoring jobDefault) {
        this.scoring = jobDefault.name().toLowerCase().replace('_', '-');
    }

    public PrefixScoring scoring() {
        return PrefixScoring.parse(scoring);   // a bad name fails with the option named and the value given
    }
}
