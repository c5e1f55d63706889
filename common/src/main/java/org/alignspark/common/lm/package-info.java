/**
 * The causal language model engine: GPT-2, Llama, Qwen2, Qwen3, Mistral, Phi-3 and Gemma 2 decoders as explicit
 * layers on ND4J arrays, each with {@code forward} and {@code backward} side by side (llm.c's shape), checked
 * against finite differences.
 *
 * <pre>{@code
 * CausalLM model = HfCheckpoint.load("hdfs://…/policy");                // config.json + model.safetensors
 * model.forward(Batch.padded(sequences, Batch.Padding.RIGHT, padId));  // logits [B, T, V]
 * model.forwardHidden(batch);                                           // hidden states only: the logits are lazy
 * INDArray logProbs = model.logProbs(model.nextTokenTargets());         // [B, T], 0 where unscored; logits in chunks
 * INDArray hidden = model.hiddenStates();                               // [B, T, d], after the final norm
 * model.parameters().zeroGradients();
 * model.backwardFromLogProbs(dLoss_dLogProbs, dLoss_dHidden);           // either may come from a loss
 * model.parameters().gradients();                                       // name → gradient, same order as values()
 * CompletionLogProbs.forward(model, prompts, completions, padId).sums(); // log π(y | x) per row, with backward
 * Generator.generate(model, prompts, seeds, GenerationConfig.sampling(256, 0.7, 50, 0.95));
 * }</pre>
 *
 * <p>Top to bottom:
 * <ol>
 *   <li>What a model is: {@link ModelConfig} (sizes and numerics) of a {@link ModelFamily}, which holds every
 *       per-family choice (norm, positions, q/k/v projection, MLP, weight layout, biases) and the family's
 *       Hugging Face tensor names. Layers read these and never branch on the family.</li>
 *   <li>The model: {@link CausalLM} assembles the layers and runs forward and backward; {@link Parameters} holds
 *       the weights by tensor name with their gradients, {@code Initialization} draws fresh ones.</li>
 *   <li>Its input: {@link Batch} (padded rows, position ids, next-token targets), turned per forward into a
 *       {@code Step} with its {@code AttentionMask} and {@code Rope} tables.</li>
 *   <li>The layers, in the order the forward runs them: {@code Embedding}; {@code TransformerBlock} = {@code Norm}
 *       (LayerNorm, RMSNorm or Gemma's (1 + w) RMSNorm), {@code CausalSelfAttention} over a {@code QkvProjection},
 *       {@code Norm}, {@code Mlp} (GELU with {@code GeluTanh}, SwiGLU or GeGLU), with Gemma 2's post-norms; the
 *       final {@code Norm}; all projections are {@code Linear}, their buffers from {@code Buffers}.</li>
 *   <li>Its output: {@code LogSoftmaxHead} (log-probs of chosen targets and their backward, from whole logits or
 *       chunks of rows of them computed on request, so no [N, V] array is held), and
 *       {@link CompletionLogProbs}, the one place prompt–completion pairs are scored ({@link SequenceLogProb} per
 *       row).</li>
 *   <li>Decoding: {@link KvCache}, {@link Generator} with {@link GenerationConfig} and {@link Sampler};
 *       {@link LogitProcessor} and {@link LogitStream} for the transforms in {@code decoding}.</li>
 *   <li>{@code checkpoint}: Hugging Face folders ({@code HfConfig}, {@code HfCheckpoint}, safetensors) on local
 *       disks or Hadoop file systems.</li>
 * </ol>
 *
 * A model instance keeps the activations of its last forward pass and is used by one thread at a time.
 */
package org.alignspark.common.lm;
