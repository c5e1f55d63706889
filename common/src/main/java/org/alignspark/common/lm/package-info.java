/**
 * The causal language model engine: GPT-2 and Llama-family decoders as explicit layers on ND4J arrays, each with
 * {@code forward} and {@code backward} side by side (llm.c's shape), checked against finite differences.
 *
 * <pre>{@code
 * CausalLM model = HfCheckpoint.load("hdfs://…/policy");                // config.json + model.safetensors
 * model.forward(Batch.padded(sequences, Batch.Padding.RIGHT, padId));  // logits [B, T, V]
 * INDArray logProbs = model.logProbs(model.nextTokenTargets());         // [B, T], 0 where unscored
 * INDArray hidden = model.hiddenStates();                               // [B, T, d], after the final norm
 * model.parameters().zeroGradients();
 * model.backwardFromLogProbs(dLoss_dLogProbs, dLoss_dHidden);           // either may come from a loss
 * model.parameters().gradients();                                       // name → gradient, same order as values()
 * Generator.generate(model, prompts, seeds, GenerationConfig.sampling(256, 0.7, 50, 0.95));
 * }</pre>
 *
 * A model instance keeps the activations of its last forward pass and is used by one thread at a time.
 */
package org.alignspark.common.lm;
