package org.alignspark.common.lm;

import java.util.List;

/**
 * A LoRA adapter's shape (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models" §4.1): rank
 * {@code r}, scale α / r on the update, dropout on the adapter's input, and the projections it adapts, named as
 * PEFT's {@code target_modules} names them (the module path's last component, {@code q_proj}, {@code c_attn}, or a
 * full module path). An empty list means every attention and MLP projection of the family.
 */
public record LoraConfig(int r, double alpha, double dropout, List<String> targetModules) implements java.io.Serializable {
    public LoraConfig {
        if (r <= 0) {
            throw new IllegalArgumentException("LoRA rank r must be positive, got " + r);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("lora_alpha must be positive, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + dropout);
        }
        targetModules = List.copyOf(targetModules);
        for (String t : targetModules) {
            if (t.isBlank()) {
                throw new IllegalArgumentException("a LoRA target module name is empty");
            }
        }
    }

    /** The scale of the update, α / r (§4.1; PEFT's {@code scaling} without rsLoRA). */
    public double scaling() {
        return alpha / r;
    }

    /** The target modules, or the family's projections where none were named. */
    public List<String> targetsFor(ModelFamily family) {
        return targetModules.isEmpty() ? family.projectionModules() : targetModules;
    }

    /**
     * Whether the module at {@code path} is a target, as PEFT matches a list of names: the whole path, or its end
     * after a dot.
     */
    static boolean matches(List<String> targets, String path) {
        for (String t : targets) {
            if (path.equals(t) || path.endsWith("." + t)) {
                return true;
            }
        }
        return false;
    }
}
