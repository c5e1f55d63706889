package org.alignspark.cli;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.alignspark.common.lm.LoraConfig;
import picocli.CommandLine.Option;

/**
 * LoRA (Hu et al. 2021) for a trainer: with {@code --lora-r} above 0 the base stays frozen and shared, and only the
 * adapters on the target projections train and travel between workers; checkpoints are PEFT adapter folders. Names and
 * defaults follow PEFT's {@code LoraConfig} (r, lora_alpha, lora_dropout, target_modules).
 */
public final class LoraOptions {
    @Option(names = "--lora-r", defaultValue = "0",
            description = "LoRA rank r; 0 trains every parameter instead (no adapters).")
    private int r;

    @Option(names = "--lora-alpha", defaultValue = "16",
            description = "LoRA alpha: the adapters' update is scaled by alpha / r.")
    private double alpha;

    @Option(names = "--lora-dropout", defaultValue = "0.0",
            description = "Dropout on the adapters' inputs while training.")
    private double dropout;

    @Option(names = "--lora-target-modules", split = ",", paramLabel = "NAME",
            description = "Projections to adapt, as PEFT names them (q_proj,v_proj; GPT-2: c_attn,c_proj,c_fc); "
                    + "default: every attention and MLP projection.")
    private List<String> targetModules;

    /** The adapters' configuration, or empty to train the whole model. */
    public Optional<LoraConfig> config() {
        OptionChecks.require(r >= 0, "--lora-r must be 0 (off) or positive, got " + r);
        if (r == 0) {
            OptionChecks.require(targetModules == null, "--lora-target-modules needs --lora-r above 0");
            return Optional.empty();
        }
        try {
            return Optional.of(new LoraConfig(r, alpha, dropout, targetModules == null ? List.of()
                    : targetModules.stream().map(String::trim).toList()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--lora-*: " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return r == 0 ? "full" : "lora r=" + r + " alpha=" + alpha + " dropout=" + dropout + " targets="
                + (targetModules == null ? "all" : Arrays.toString(targetModules.toArray()));
    }
}
