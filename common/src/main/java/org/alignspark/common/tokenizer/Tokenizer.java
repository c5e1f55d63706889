package org.alignspark.common.tokenizer;

/** Text to token ids and back, with the special ids a causal LM needs. Close it to free native resources. */
public interface Tokenizer extends AutoCloseable {
    /** Token ids of {@code text}; special-token strings in the text map to their ids, nothing is added. */
    int[] encode(String text);

    /** The text of {@code ids}, special tokens included. */
    String decode(int[] ids);

    int vocabSize();

    int bosId();

    /** End of sequence, also the end of a chat turn. */
    int eosId();

    /** Padding id (the eos id for tokenizers that define none). */
    int padId();

    @Override
    default void close() {
    }
}
