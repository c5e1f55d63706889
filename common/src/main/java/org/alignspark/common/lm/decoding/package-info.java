/**
 * Decoding-time logit transforms, as {@link org.alignspark.common.lm.LogitProcessor}s of
 * {@link org.alignspark.common.lm.Generator}: STEER's contrastive expert guidance and negative prompting
 * ({@link SteerGuidance}, docs/spec-objectives.md §9) and weak-to-strong dynamic logit fusion ({@link LogitFusion},
 * docs/spec-objectives.md §8). Each formula is a static method over plain {@code double[]} logits, next to its citation;
 * the processors feed it the logits of other models, each a {@link org.alignspark.common.lm.LogitStream} that
 * follows the sampled tokens with its own KV cache.
 */
package org.alignspark.common.lm.decoding;
