package org.alignspark.cli;

import org.alignspark.common.lm.CausalLM;
import picocli.CommandLine.Option;

/**
 * {@code --logit-chunk-tokens}: how many positions' logits a job that scores target tokens computes at a time
 * ({@link CausalLM#setLogitChunkTokens}), so that no [tokens, vocabulary] array is held whole through forward and
 * backward; by default as many as {@link CausalLM#LOGIT_CHUNK_BYTES} hold.
 */
public final class LogitChunkOption {
    @Option(names = "--logit-chunk-tokens", paramLabel = "N",
            description = "Positions whose logits are computed at a time when scoring target tokens (the rest never held "
                    + "whole; the backward computes each chunk once more); default: as many as 64 MiB hold "
                    + "(vocabulary × 4 bytes a position); 0: all at once.")
    private Integer tokens;

    /** The setting for {@link CausalLM#setLogitChunkTokens}: {@link CausalLM#AUTO_LOGIT_CHUNK} unless given. */
    public int tokens() {
        OptionChecks.require(tokens == null || tokens >= 0, "--logit-chunk-tokens must be 0 (all at once) or positive, got "
                + tokens);
        return tokens == null ? CausalLM.AUTO_LOGIT_CHUNK : tokens;
    }
}
